// The installed library as a consumer sees it: `cmake --install` into a temporary prefix,
// then (1) c_client.c compiled AS C (gcc -std=c11 -Wall -Werror) with pkg-config's flags and
// run against idr-sim + idr-firmware, (2) every installed header compiled alone with only
// the installed include directory (no project-internal headers), (3) find_package(idr).
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "e2e_support.h"
#include "idr/sim/scenario.h"
#include "reader_processes.h"

namespace fs = std::filesystem;

namespace {

// Runs a shell command; returns its exit status and stdout (stderr goes to the test log).
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

struct TempPrefix {
  TempPrefix() {
    std::string tmpl = (fs::temp_directory_path() / "idr-install-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempPrefix() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

const std::string kSanitize = IDR_TEST_SANITIZE_FLAGS;

}  // namespace

TEST_CASE(
    "hostlib install: a C program built with pkg-config against the installed header reads a "
    "card") {
  TempPrefix prefix;
  const std::string p = prefix.path.string();
  auto [rc, out] = run(quote(IDR_CMAKE) + " --install " + quote(IDR_BUILD_DIR) + " --prefix " +
                       quote(p) + " --component idr 2>&1");
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(fs::exists(prefix.path / "include/idr/idr.h"));
  REQUIRE(fs::exists(prefix.path / "lib/pkgconfig/idr.pc"));
  REQUIRE(fs::exists(prefix.path / "lib/cmake/idr/idrConfig.cmake"));
  REQUIRE(fs::exists(prefix.path / "lib/cmake/idr/idrConfigVersion.cmake"));

  // pkg-config points inside the temporary prefix (relocatable idr.pc).
  const std::string pc_env = "PKG_CONFIG_PATH=" + quote(p + "/lib/pkgconfig") + " ";
  auto [pc_rc, flags] = run(pc_env + "pkg-config --cflags --libs idr");
  REQUIRE(pc_rc == 0);
  CHECK(flags.find(p) != std::string::npos);
  auto [ver_rc, version] = run(pc_env + "pkg-config --modversion idr");
  CHECK(version == "0.1.0\n");

  // (1) C11, warnings as errors, flags from pkg-config only.
  const std::string exe = p + "/c_client";
  auto [cc_rc, cc_out] =
      run(quote(IDR_C_COMPILER) + " -std=c11 -Wall -Wextra -pedantic -Werror " + kSanitize + " " +
          quote(std::string(IDR_SOURCE_DIR) + "/tests/hostlib/c_client.c") + " -o " + quote(exe) +
          " $(" + pc_env + "pkg-config --cflags --libs idr) 2>&1");
  INFO(cc_out);
  REQUIRE(cc_rc == 0);

  const std::string file = idr::test::sample_dir() + "resident-fingerprint.json";
  const auto spec = idr::sim::load_scenario(file).cards.front().spec;
  idr::e2e::ReaderProcesses procs(file);
  auto [run_rc, output] = run("LD_LIBRARY_PATH=" + quote(p + "/lib") + " " + quote(exe) +
                              " tcp://127.0.0.1:" + std::to_string(procs.host_port));
  INFO(output);
  REQUIRE(run_rc == 0);
  CHECK(output.find("name=" + spec.text.at("name") + "\n") != std::string::npos);
  CHECK(output.find("id_number=" + spec.text.at("id_number") + "\n") != std::string::npos);
  CHECK(output.find("type=0\n") != std::string::npos);
  CHECK(output.find("photo_bytes=1024\n") != std::string::npos);

  // (2) Each installed header on its own, with nothing but the installed include dir.
  for (const auto& h : fs::directory_iterator(prefix.path / "include/idr")) {
    const std::string name = "idr/" + h.path().filename().string();
    INFO(name);
    auto [h_rc, h_out] =
        run("echo '#include <" + name + ">' | " + quote(IDR_CXX_COMPILER) +
            " -std=c++17 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -x c++ -I " +
            quote(p + "/include") + " - 2>&1");
    INFO(h_out);
    CHECK(h_rc == 0);
  }
  auto [c_rc, c_out] =
      run("echo '#include <idr/idr.h>' | " + quote(IDR_C_COMPILER) +
          " -std=c11 -pedantic -Werror -fsyntax-only -x c -I " + quote(p + "/include") + " - 2>&1");
  INFO(c_out);
  CHECK(c_rc == 0);

  // (3) find_package(idr) -> idr::idr in a consumer project.
  const fs::path consumer = prefix.path / "consumer";
  fs::create_directories(consumer);
  std::ofstream(consumer / "CMakeLists.txt")
      << "cmake_minimum_required(VERSION 3.25)\nproject(consumer CXX)\n"
         "find_package(idr 0.1 REQUIRED)\nadd_executable(consumer main.cpp)\n"
         "target_link_libraries(consumer PRIVATE idr::idr)\n";
  std::ofstream(consumer / "main.cpp")
      << "#include <idr/reader.h>\n#include <cstdio>\n"
         "int main() { auto r = idr::Reader::open(\"nonsense\");\n"
         "  std::puts(idr::message(r.error())); return r.ok() ? 1 : 0; }\n";
  auto [cm_rc, cm_out] =
      run(quote(IDR_CMAKE) + " -S " + quote(consumer.string()) + " -B " +
          quote((consumer / "build").string()) + " -G Ninja -DCMAKE_PREFIX_PATH=" + quote(p) +
          " -DCMAKE_CXX_COMPILER=" + quote(IDR_CXX_COMPILER) + " -DCMAKE_CXX_FLAGS=" +
          quote(kSanitize) + " -DCMAKE_EXE_LINKER_FLAGS=" + quote(kSanitize) + " 2>&1 && " +
          quote(IDR_CMAKE) + " --build " + quote((consumer / "build").string()) + " 2>&1");
  INFO(cm_out);
  REQUIRE(cm_rc == 0);
  auto [co_rc, co_out] = run("LD_LIBRARY_PATH=" + quote(p + "/lib") + " " +
                             quote((consumer / "build/consumer").string()));
  CHECK(co_rc == 0);
  CHECK(co_out == "invalid argument\n");
}
