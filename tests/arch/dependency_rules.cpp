#include "dependency_rules.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace idr::arch {

std::vector<Rule> project_rules() {
  return {
      {"hw-sim", {"drivers", "firmware"}},
      {"hostlib", {"drivers", "firmware"}},
      {"protocol", {"drivers", "firmware", "hostlib", "hw-sim"}},
  };
}

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// CMake text without comments (a '#' up to the end of its line), same length per line.
std::string strip_cmake_comments(const std::string& text) {
  std::string out = text;
  bool comment = false;
  for (char& c : out) {
    if (c == '\n')
      comment = false;
    else if (c == '#')
      comment = true;
    if (comment) c = ' ';
  }
  return out;
}

size_t line_of(const std::string& text, size_t offset) {
  return 1 + static_cast<size_t>(
                 std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

bool is_source(const fs::path& p) {
  static const std::set<std::string> kExt = {".h", ".hpp", ".c", ".cc", ".cpp", ".inc"};
  return kExt.count(p.extension().string()) != 0;
}

// The tree's files, relative to root and lexically normal; build/ and hidden folders skipped.
std::vector<fs::path> tree_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() &&
        (name.empty() || name[0] == '.' || (it.depth() == 0 && name == "build"))) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), root).lexically_normal());
  }
  return files;
}

std::string top_folder(const fs::path& rel) {
  return rel.empty() ? std::string() : rel.begin()->string();
}

struct Index {
  std::set<std::string> files;                       // every file, relative to root
  std::set<std::string> include_roots;               // folders, relative to root ("" = root)
  std::map<std::string, std::string> target_folder;  // CMake target -> defining top folder
};

Index build_index(const fs::path& root, const std::vector<fs::path>& files) {
  Index ix;
  static const std::regex kIncludeDirs(R"(target_include_directories\s*\(([^)]*)\))");
  static const std::regex kDirVar(
      R"(\$\{(CMAKE_CURRENT_SOURCE_DIR|PROJECT_SOURCE_DIR|CMAKE_SOURCE_DIR)\}(/[A-Za-z0-9_./+-]*)?)");
  static const std::regex kDefine(R"(add_(library|executable)\s*\(\s*([A-Za-z0-9_.+-]+))");
  for (const fs::path& f : files) {
    ix.files.insert(f.generic_string());
    fs::path dir;  // every folder named `include` above f is an include root
    for (const fs::path& part : f.parent_path()) {
      dir /= part;
      if (part == "include") ix.include_roots.insert(dir.generic_string());
    }
    if (f.filename() != "CMakeLists.txt") continue;
    const std::string text = strip_cmake_comments(read_file(root / f));
    const fs::path here = f.parent_path();
    for (std::sregex_iterator m(text.begin(), text.end(), kIncludeDirs), end; m != end; ++m) {
      const std::string args = (*m)[1];
      for (std::sregex_iterator d(args.begin(), args.end(), kDirVar); d != end; ++d) {
        const fs::path base = (*d)[1] == "CMAKE_CURRENT_SOURCE_DIR" ? here : fs::path();
        std::string sub = (*d)[2];
        if (!sub.empty()) sub.erase(0, 1);
        ix.include_roots.insert((base / sub).lexically_normal().generic_string());
      }
    }
    for (std::sregex_iterator m(text.begin(), text.end(), kDefine), end; m != end; ++m)
      ix.target_folder[(*m)[2]] = top_folder(f);
  }
  return ix;
}

std::string normal(const fs::path& p) {
  std::string s = p.lexically_normal().generic_string();
  if (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// Every file an include of `name` from `from` may resolve to.
std::vector<std::string> resolve(const Index& ix, const fs::path& from, const std::string& name) {
  std::vector<std::string> found;
  const auto add = [&](const fs::path& candidate) {
    const std::string c = normal(candidate);
    if (c.rfind("..", 0) != 0 && ix.files.count(c) != 0 &&
        std::find(found.begin(), found.end(), c) == found.end())
      found.push_back(c);
  };
  add(from.parent_path() / name);
  for (const std::string& r : ix.include_roots) add(fs::path(r) / name);
  return found;
}

const Rule* rule_for(const std::vector<Rule>& rules, const std::string& folder) {
  for (const Rule& r : rules)
    if (r.part == folder) return &r;
  return nullptr;
}

bool forbidden(const Rule& r, const std::string& folder) {
  return std::find(r.forbidden.begin(), r.forbidden.end(), folder) != r.forbidden.end();
}

void check_includes(const fs::path& root, const fs::path& f, const Rule& rule, const Index& ix,
                    Report& report) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::ifstream in(root / f);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (!std::regex_search(line, m, kInclude)) continue;
    ++report.includes_checked;
    for (const std::string& target : resolve(ix, f, m[1])) {
      const std::string folder = top_folder(target);
      if (forbidden(rule, folder))
        report.violations.push_back(f.generic_string() + ":" + std::to_string(n) + ": #include " +
                                    m[1].str() + " -> " + target + " (" + rule.part +
                                    " may not use " + folder + "/)");
    }
  }
}

void check_links(const fs::path& root, const fs::path& f, const Rule& rule, const Index& ix,
                 Report& report) {
  static const std::regex kLinks(R"(target_link_libraries\s*\(([^)]*)\))");
  static const std::regex kWord(R"([^\s]+)");
  const std::string text = strip_cmake_comments(read_file(root / f));
  for (std::sregex_iterator m(text.begin(), text.end(), kLinks), end; m != end; ++m) {
    const std::string args = (*m)[1];
    bool first = true;
    for (std::sregex_iterator w(args.begin(), args.end(), kWord); w != end; ++w) {
      const std::string word = (*w)[0];
      if (first) {  // the target being linked
        first = false;
        continue;
      }
      if (word == "PUBLIC" || word == "PRIVATE" || word == "INTERFACE") continue;
      ++report.links_checked;
      const auto def = ix.target_folder.find(word);
      if (def != ix.target_folder.end() && forbidden(rule, def->second))
        report.violations.push_back(
            f.generic_string() + ":" +
            std::to_string(line_of(text, static_cast<size_t>(m->position()))) + ": links " + word +
            " (defined in " + def->second + "/; " + rule.part + " may not use it)");
    }
  }
}

}  // namespace

Report check(const fs::path& root, const std::vector<Rule>& rules) {
  const std::vector<fs::path> files = tree_files(root);
  const Index ix = build_index(root, files);
  Report report;
  for (const fs::path& f : files) {
    const Rule* rule = rule_for(rules, top_folder(f));
    if (rule == nullptr) continue;
    if (is_source(f)) check_includes(root, f, *rule, ix, report);
    if (f.filename() == "CMakeLists.txt") check_links(root, f, *rule, ix, report);
  }
  return report;
}

}  // namespace idr::arch
