#pragma once
// Where `idr sim` finds idr-sim and idr-firmware: an explicit path (--sim-exe,
// --firmware-exe), else next to this idr executable (an install puts all three in bin/),
// else where this build tree made them (paths compiled in by CMake), else PATH.
#include <string>

namespace idr::tool {

// Empty when not found anywhere.
[[nodiscard]] std::string locate_sim_exe();
[[nodiscard]] std::string locate_firmware_exe();

}  // namespace idr::tool
