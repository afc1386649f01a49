#include "tool_paths.h"

#include <unistd.h>

#include "process.h"

#ifndef IDR_BUILD_SIM_EXE
#define IDR_BUILD_SIM_EXE ""
#endif
#ifndef IDR_BUILD_FIRMWARE_EXE
#define IDR_BUILD_FIRMWARE_EXE ""
#endif

namespace idr::tool {

namespace {

std::string locate(const std::string& name, const std::string& build_path) {
  const std::string dir = own_directory();
  if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
  if (!build_path.empty() && ::access(build_path.c_str(), X_OK) == 0) return build_path;
  return find_program(name);
}

}  // namespace

std::string locate_sim_exe() {
  return locate("idr-sim", IDR_BUILD_SIM_EXE);
}
std::string locate_firmware_exe() {
  return locate("idr-firmware", IDR_BUILD_FIRMWARE_EXE);
}

}  // namespace idr::tool
