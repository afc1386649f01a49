// libsdtapi (label sdt): the exported symbols (nm -D), the C program sdt_read_card reading
// a card through the simulator configured by $IDR_SDT_READER (tcp) and by a config file
// in $HOME (serial pty) or the system file, no reader configured, and the config file
// rules. The system file is always the test's own ($IDR_SDT_SYSTEM_CONFIG).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "e2e_support.h"
#include "idr/sim/scenario.h"
#include "pty_reader_processes.h"
#include "reader_processes.h"
#include "sdt_config.h"

namespace fs = std::filesystem;
using namespace idr;

namespace {

struct Run {
  int exit_code = -1;
  std::map<std::string, std::string> values;  // "name=value" lines
};

// Runs a shell command line (bounded by timeout(1)), collecting its name=value lines.
Run run(const std::string& command_line) {
  Run out;
  FILE* p = ::popen(("timeout 60 " + command_line).c_str(), "r");
  REQUIRE(p != nullptr);
  char line[512];
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    std::string l(line);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    const auto eq = l.find('=');
    if (eq != std::string::npos) out.values[l.substr(0, eq)] = l.substr(eq + 1);
  }
  const int status = ::pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::vector<uint8_t> file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A fresh directory for one test: output files and a $HOME without config.
fs::path temp_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("idr-sdt-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// The C program's output against the card's personalisation (make_card_image), DESIGN 8.
void check_read(const Run& r, const fs::path& out, const std::string& scenario_file) {
  const sim::Scenario s = sim::load_scenario(scenario_file);
  const sim::CardImage image = sim::make_card_image(s.cards.front().spec);
  INFO("open=" << r.values.count("open"));
  CHECK(r.exit_code == 0);
  CHECK(r.values.at("open") == "0x90");
  CHECK(r.values.at("reset") == "0x90");
  CHECK(r.values.at("status") == "0x90");
  CHECK(r.values.at("samidstr") == "0x90");
  CHECK(r.values.at("maxrf") == "0x90");
  CHECK(r.values.at("find") == "0x9F");
  CHECK(r.values.at("manainfo") == "00000000");
  CHECK(r.values.at("select") == "0x90");
  CHECK(r.values.at("manamsg") == "0000000000000000");
  CHECK(r.values.at("readbasefp") == "0x90");
  CHECK(r.values.at("text_len") == "256");
  CHECK(r.values.at("photo_len") == "1024");
  CHECK(r.values.at("fp_len") == std::to_string(image.fingerprint.size()));
  CHECK(file_bytes(out / "samid.bin") == std::vector<uint8_t>(s.sam_id.begin(), s.sam_id.end()));
  CHECK(r.values.at("samid_text").size() == 36);
  CHECK(file_bytes(out / "text.bin") == std::vector<uint8_t>(image.text.begin(), image.text.end()));
  CHECK(file_bytes(out / "photo.bin") ==
        std::vector<uint8_t>(image.photo.begin(), image.photo.end()));
  CHECK(file_bytes(out / "fp.bin") == image.fingerprint);
  if (image.addresses.empty()) {
    CHECK(r.values.at("newapp") == "0x91");
  } else {
    CHECK(r.values.at("newapp") == "0x90");
    std::vector<uint8_t> all;
    for (const auto& a : image.addresses) all.insert(all.end(), a.begin(), a.end());
    CHECK(file_bytes(out / "app.bin") == all);
  }
  CHECK(r.values.at("find_again") == "0x80");  // read once per presentation
  CHECK(r.values.at("close") == "0x90");
  CHECK(r.values.at("status_closed") == "0x01");  // port no longer open
}

}  // namespace

TEST_CASE("sdt: nm -D shows every SDT_* function of sdtapi.h and nothing else") {
  std::ifstream header(std::string(IDR_SOURCE_DIR) + "/hostlib/sdtapi/include/sdtapi.h");
  std::stringstream text;
  text << header.rdbuf();
  std::set<std::string> declared;
  const std::regex decl(R"(int (SDT_\w+)\()");
  const std::string h = text.str();
  for (std::sregex_iterator it(h.begin(), h.end(), decl), end; it != end; ++it)
    declared.insert((*it)[1]);
  REQUIRE(declared.size() >= 11);  // the DESIGN 8 list plus SDT_SetMaxRFByte

  std::set<std::string> exported, other;
  FILE* p = ::popen(("nm -D --defined-only " + std::string(IDR_SDTAPI_LIB)).c_str(), "r");
  REQUIRE(p != nullptr);
  char line[512];
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    std::istringstream words(line);
    std::string address, type, name;
    words >> address >> type >> name;
    if (name.rfind("SDT_", 0) == 0 && type == "T")
      exported.insert(name);
    else if (!name.empty())
      other.insert(name);
  }
  REQUIRE(::pclose(p) == 0);
  CHECK(exported == declared);
  for (const auto& o : other) CHECK(o.find('@') != std::string::npos);  // version nodes only
}

TEST_CASE("sdt: a C program reads the card through $IDR_SDT_READER (tcp)") {
  const std::string file = test::sample_dir() + "resident-longterm-address.json";
  e2e::ReaderProcesses procs(file);
  const fs::path d = temp_dir("tcp");
  const Run r =
      run("env HOME=" + d.string() + " IDR_SDT_SYSTEM_CONFIG=" + d.string() +
          "/system.conf IDR_SDT_READER=tcp://127.0.0.1:" + std::to_string(procs.host_port) + " " +
          IDR_SDT_PROGRAM + " " + d.string());
  check_read(r, d, file);
  fs::remove_all(d);
}

TEST_CASE("sdt: a C program reads the card through $HOME/.config/idr/sdtapi.conf (serial pty)") {
  const std::string file = test::sample_dir() + "resident-fingerprint.json";
  test::PtyReaderProcesses procs(file);
  const fs::path d = temp_dir("conf");
  fs::create_directories(d / ".config/idr");
  std::ofstream(d / ".config/idr/sdtapi.conf")
      << "# reader for the SDT ports\nreader = tcp://127.0.0.1:1\nreader.1001 = " << procs.uri()
      << "\n";
  const Run r =
      run("env -u IDR_SDT_READER HOME=" + d.string() + " IDR_SDT_SYSTEM_CONFIG=" + d.string() +
          "/system.conf " + IDR_SDT_PROGRAM + " " + d.string());
  check_read(r, d, file);
  fs::remove_all(d);
}

TEST_CASE("sdt: no reader configured: SDT_OpenPort answers 0x01 and the system file is read") {
  // The system file is the test's own ($IDR_SDT_SYSTEM_CONFIG), so /etc/idr/sdtapi.conf on
  // this machine changes nothing.
  const fs::path d = temp_dir("none");
  const std::string command = "env -u IDR_SDT_READER HOME=" + d.string() +
                              " IDR_SDT_SYSTEM_CONFIG=" + d.string() + "/system.conf " +
                              IDR_SDT_PROGRAM + " " + d.string();
  const Run none = run(command);
  CHECK(none.exit_code == 1);
  CHECK(none.values.at("open") == "0x01");

  const std::string file = test::sample_dir() + "resident-longterm-address.json";
  e2e::ReaderProcesses procs(file);
  std::ofstream(d / "system.conf") << "reader = tcp://127.0.0.1:" << procs.host_port << "\n";
  check_read(run(command), d, file);
  fs::remove_all(d);
}

TEST_CASE("sdt: config file: reader.<port> beats reader and comments and spaces are ignored") {
  const std::string text =
      "# comment\n  reader =  tcp://127.0.0.1:5000  # all ports\nreader.1002=serial:/dev/ttyUSB0\n"
      "junk line\n";
  CHECK(sdt::lookup_in_config_text(text, 1001) == "tcp://127.0.0.1:5000");
  CHECK(sdt::lookup_in_config_text(text, 1002) == "serial:/dev/ttyUSB0");
  CHECK(sdt::lookup_in_config_text("# nothing\n", 1).empty());
}
