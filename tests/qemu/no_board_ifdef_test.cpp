// DESIGN 1: one core for every board, no #ifdef on the board in the firmware core, the
// drivers or the protocol component they build on. Stricter than needed and simpler to
// keep: no conditional compilation at all there (boards differ by their HAL only).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::regex kConditional(R"(^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef)\b)");

std::vector<std::string> conditional_lines(std::istream& in, const std::string& name) {
  std::vector<std::string> hits;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (std::regex_search(line, kConditional))
      hits.push_back(name + ":" + std::to_string(n) + ": " + line);
  return hits;
}

std::vector<std::string> scan(const fs::path& root) {
  std::vector<std::string> hits;
  REQUIRE(fs::is_directory(root));
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".h" && ext != ".hpp" && ext != ".c" && ext != ".cpp"))
      continue;
    std::ifstream in(e.path());
    for (auto& h : conditional_lines(in, e.path().string())) hits.push_back(h);
  }
  return hits;
}

}  // namespace

TEST_CASE("no board ifdef: the detector flags conditional compilation and nothing else") {
  std::istringstream with("#include <x>\n#ifdef IDR_BOARD_QEMU\n  #  if defined(HOST)\n#endif\n");
  CHECK(conditional_lines(with, "sample").size() == 2);
  std::istringstream without("#pragma once\n#include \"a.h\"\n// #ifdef in a comment\nint x;\n");
  CHECK(conditional_lines(without, "sample").empty());
}

TEST_CASE("no board ifdef: firmware/core, drivers and protocol have no conditional compilation") {
  for (const char* dir : {"firmware/core", "drivers", "protocol"}) {
    const auto hits = scan(fs::path(IDR_SOURCE_DIR) / dir);
    for (const auto& h : hits) UNSCOPED_INFO(h);
    CHECK(hits.empty());
  }
}
