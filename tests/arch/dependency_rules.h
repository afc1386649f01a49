#pragma once
// The parts' allowed dependencies (DESIGN 2), checked on the source tree itself: every
// #include line and every target_link_libraries of a part is resolved to the top-level
// folder it comes from, and a folder the part may not use is a violation.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace idr::arch {

// A part (top-level folder) and the top-level folders it must not use.
struct Rule {
  std::string part;
  std::vector<std::string> forbidden;
};

// hw-sim and hostlib: nothing from drivers/ or firmware/; protocol:
// nothing from any other part.
[[nodiscard]] std::vector<Rule> project_rules();

struct Report {
  std::vector<std::string> violations;  // "file:line: what -> where (part may not use folder)"
  size_t includes_checked = 0;          // #include lines of the constrained parts resolved
  size_t links_checked = 0;             // linked names of the constrained parts seen
};

// Scans the tree at root (build/ and hidden folders skipped). An include resolves relative
// to the including file and against every include root: each folder named `include` and
// each folder a CMakeLists.txt adds with target_include_directories(... ${CMAKE_CURRENT_SOURCE_DIR}
// or ${PROJECT_SOURCE_DIR}...). A linked name resolves to the folder whose CMakeLists.txt
// defines it with add_library/add_executable.
[[nodiscard]] Report check(const std::filesystem::path& root, const std::vector<Rule>& rules);

}  // namespace idr::arch
