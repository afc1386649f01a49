// The parts' allowed dependencies (DESIGN 2) hold in this source tree, and the checker finds
// a forbidden include or link when one is there (a small tree written to a temp folder).
#include <unistd.h>
#include <catch2/catch.hpp>
#include <fstream>

#include "dependency_rules.h"

namespace fs = std::filesystem;
using idr::arch::check;
using idr::arch::project_rules;

namespace {

// A scratch tree under the temp folder, removed at the end.
class Tree {
 public:
  Tree() : root_(fs::temp_directory_path() / ("idr-arch-" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~Tree() { fs::remove_all(root_); }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  [[nodiscard]] const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

// The allowed shape: protocol alone, drivers and firmware on it, hw-sim and hostlib on it.
void write_clean_tree(Tree& t) {
  t.write("protocol/CMakeLists.txt", "add_library(idr_proto INTERFACE)\n");
  t.write("protocol/include/idr/proto/wire.h", "#pragma once\n#include <cstdint>\n");
  t.write("drivers/CMakeLists.txt", "add_library(idr_hal INTERFACE)\n");
  t.write("drivers/hal/include/idr/hal/hal.h", "#pragma once\n#include \"idr/proto/wire.h\"\n");
  t.write("firmware/CMakeLists.txt",
          "add_library(idr_core STATIC core.cpp)\n"
          "target_include_directories(idr_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/core)\n");
  t.write("firmware/core/idr/core/app.h", "#pragma once\n");
  t.write("hw-sim/CMakeLists.txt",
          "add_library(idr_sim STATIC model.cpp)\n"
          "target_link_libraries(idr_sim PUBLIC idr_proto PRIVATE idr_warnings)\n");
  t.write("hw-sim/model.cpp", "#include \"idr/proto/wire.h\"\n#include <vector>\n");
  t.write("hostlib/src/reader.cpp", "#include <idr/proto/wire.h>\n");
}

}  // namespace

TEST_CASE("arch: hw-sim, hostlib and protocol keep to their allowed dependencies", "[arch]") {
  const idr::arch::Report r = check(IDR_SOURCE_DIR, project_rules());
  for (const std::string& v : r.violations) UNSCOPED_INFO(v);
  CHECK(r.violations.empty());
  // The scan saw the parts (a wrong root or a broken scanner would check nothing).
  CHECK(r.includes_checked > 500);
  CHECK(r.links_checked > 20);
}

TEST_CASE("arch: the checker passes an allowed tree", "[arch]") {
  Tree t;
  write_clean_tree(t);
  const idr::arch::Report r = check(t.root(), project_rules());
  CHECK(r.violations.empty());
  // model.cpp 2, reader.cpp 1, wire.h 1 (drivers/ and firmware/ have no rule here)
  CHECK(r.includes_checked == 4);
}

TEST_CASE("arch: the checker finds forbidden includes and links", "[arch]") {
  Tree t;
  write_clean_tree(t);
  SECTION("hw-sim includes a driver header through an include root") {
    t.write("hw-sim/model.cpp", "#include \"idr/hal/hal.h\"\n");
  }
  SECTION("hw-sim includes a firmware header through a CMake include folder") {
    t.write("hw-sim/model.cpp", "  #  include <idr/core/app.h>\n");
  }
  SECTION("hostlib includes a firmware file by a relative path") {
    t.write("hostlib/src/reader.cpp", "#include \"../../firmware/core/idr/core/app.h\"\n");
  }
  SECTION("hostlib includes a driver header (DESIGN 2: protocol only)") {
    t.write("hostlib/src/reader.cpp", "#include <idr/hal/hal.h>\n");
  }
  SECTION("protocol includes the HAL") {
    t.write("protocol/include/idr/proto/wire.h", "#pragma once\n#include \"idr/hal/hal.h\"\n");
  }
  SECTION("hostlib links a driver library") {
    t.write("hostlib/CMakeLists.txt", "target_link_libraries(idr PRIVATE idr_proto idr_hal)\n");
  }
  SECTION("hw-sim links a firmware library") {
    t.write("hw-sim/CMakeLists.txt",
            "add_library(idr_sim STATIC model.cpp)\n"
            "target_link_libraries(idr_sim PUBLIC idr_proto  # the contracts\n"
            "                              PRIVATE idr_core)\n");
  }
  SECTION("hostlib links a firmware library") {
    t.write("hostlib/CMakeLists.txt", "target_link_libraries(idr PRIVATE idr_proto idr_core)\n");
  }
  const idr::arch::Report r = check(t.root(), project_rules());
  for (const std::string& v : r.violations) UNSCOPED_INFO(v);
  CHECK(r.violations.size() == 1);
}
