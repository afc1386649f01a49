// libsdtapi as FFI wrappers load it: dlopen + dlsym for every SDT_* name of the SDK header
// list in DESIGN 8 (one missing symbol fails such a wrapper at start-up), the SDK's port
// ranges only, the iIfOpen rule, and the functions beyond the basic read sequence over a
// simulated reader (fingerprint alone, ..ToFile, all appended addresses, COM baud, error
// strings, the no-content answers).
#include <dlfcn.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "e2e_support.h"
#include "idr/sim/scenario.h"
#include "idr/testing/temp_dir.h"
#include "pty_reader_processes.h"
#include "reader_processes.h"
#include "sdt_config.h"

namespace fs = std::filesystem;
using namespace idr;

namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

std::vector<uint8_t> file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The SDT_* names of DESIGN 8 (section 8 up to section 9): the SDK header's list.
std::set<std::string> design_names() {
  const std::string design = file_text(std::string(IDR_SOURCE_DIR) + "/docs/DESIGN.md");
  const auto from = design.find("## 8.");
  const auto to = design.find("## 9.");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  const std::string section = design.substr(from, to - from);
  std::set<std::string> names;
  const std::regex name(R"(SDT_[A-Za-z]+)");
  for (std::sregex_iterator it(section.begin(), section.end(), name), end; it != end; ++it)
    names.insert(it->str());
  return names;
}

// libsdtapi.so loaded like an FFI wrapper does: every function resolved up front.
class Sdt {
 public:
  Sdt() : handle_(::dlopen(IDR_SDTAPI_LIB, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) FAIL("dlopen: " << ::dlerror());
  }
  ~Sdt() { ::dlclose(handle_); }
  Sdt(const Sdt&) = delete;
  Sdt& operator=(const Sdt&) = delete;
  [[nodiscard]] void* symbol(const std::string& name) const {
    return ::dlsym(handle_, name.c_str());
  }
  template <typename F>
  F* fn(const std::string& name) const {
    void* p = symbol(name);
    if (p == nullptr) FAIL("dlsym " << name << ": not exported");
    return reinterpret_cast<F*>(p);
  }

 private:
  void* handle_;
};

using PortFn = int(int);
using PortOpenFn = int(int, int);
using BufFn = int(int, unsigned char*, int);
using BufLenFn = int(int, unsigned char*, unsigned*, int);

// $IDR_SDT_READER for this process (libsdtapi reads it at each open).
struct ReaderEnv {
  explicit ReaderEnv(const std::string& uri) { ::setenv("IDR_SDT_READER", uri.c_str(), 1); }
  ~ReaderEnv() { ::unsetenv("IDR_SDT_READER"); }
};

std::string tcp_uri(const e2e::ReaderProcesses& procs) {
  return "tcp://127.0.0.1:" + std::to_string(procs.host_port);
}

// find + select on `port` (opened), polling find like a client (bounded: 10 s).
void present_card(const Sdt& sdt, int port) {
  unsigned char mana[8];
  int find = 0x80;
  for (int i = 0; i < 200 && find != 0x9F; ++i)
    find = sdt.fn<BufFn>("SDT_StartFindIDCard")(port, mana, 0);
  REQUIRE(find == 0x9F);
  REQUIRE(sdt.fn<BufFn>("SDT_SelectIDCard")(port, mana, 0) == 0x90);
}

}  // namespace

TEST_CASE("sdt abi: every SDT_* name of the SDK header (DESIGN 8) resolves with dlsym") {
  const std::set<std::string> names = design_names();
  // DESIGN 8 lists the 11 functions of the read sequence and 11 more that wrappers bind.
  CHECK(names.size() == 22);
  const std::string header =
      file_text(std::string(IDR_SOURCE_DIR) + "/hostlib/sdtapi/include/sdtapi.h");
  Sdt sdt;
  for (const auto& n : names) {
    INFO(n);
    CHECK(sdt.symbol(n) != nullptr);
    CHECK(header.find("int " + n + "(") != std::string::npos);  // and so in the nm -D check
  }
  CHECK(sdt.symbol("SDT_NoSuchFunction") == nullptr);  // dlsym does fail for a missing one
}

TEST_CASE("sdt abi: only ports 1-16 and 1001-1016 exist, others are refused with 0x01") {
  e2e::ReaderProcesses procs(test::sample_dir() + "resident-fingerprint.json");
  const ReaderEnv env(tcp_uri(procs));
  Sdt sdt;
  auto open = sdt.fn<PortFn>("SDT_OpenPort");
  auto close = sdt.fn<PortFn>("SDT_ClosePort");
  auto status = sdt.fn<PortOpenFn>("SDT_GetSAMStatus");
  for (int port : {1, 16, 1001, 1016}) {
    INFO("port " << port);
    CHECK(open(port) == 0x90);
    CHECK(status(port, 0) == 0x90);
    CHECK(close(port) == 0x90);
  }
  for (int port : {-1, 0, 17, 100, 999, 1000, 1017, 2001, 65535}) {
    INFO("port " << port);
    CHECK(open(port) == 0x01);
    CHECK(status(port, 1) == 0x01);  // iIfOpen does not open it either
    CHECK(close(port) == 0x01);
    CHECK(sdt::reader_uri_for_port(port).empty());
  }
  unsigned baud = 0;
  CHECK(sdt.fn<int(int, unsigned*)>("SDT_GetCOMBaud")(1001, &baud) == 0x01);  // USB: no COM
}

TEST_CASE("sdt abi: iIfOpen opens the port for the one call and closes it after") {
  e2e::ReaderProcesses procs(test::sample_dir() + "resident-fingerprint.json");
  const ReaderEnv env(tcp_uri(procs));
  Sdt sdt;
  auto status = sdt.fn<PortOpenFn>("SDT_GetSAMStatus");
  CHECK(status(1001, 0) == 0x01);  // never opened
  CHECK(status(1001, 1) == 0x90);  // opened, used, closed
  CHECK(status(1001, 0) == 0x01);  // so closed again
  CHECK(sdt.fn<PortFn>("SDT_OpenPort")(1001) == 0x90);
  CHECK(status(1001, 0) == 0x90);
  CHECK(sdt.fn<PortFn>("SDT_ClosePort")(1001) == 0x90);
  CHECK(status(1001, 0) == 0x01);
}

TEST_CASE("sdt abi: fingerprint alone, ..ToFile, all appended addresses, no-content answers") {
  const std::string file = test::sample_dir() + "resident-fingerprint.json";
  const sim::Scenario s = sim::load_scenario(file);
  const sim::CardImage image = sim::make_card_image(s.cards.front().spec);
  REQUIRE(!image.fingerprint.empty());
  e2e::ReaderProcesses procs(file);
  const ReaderEnv env(tcp_uri(procs));
  const testing::TempDir dir("idr-sdt-abi");
  Sdt sdt;
  REQUIRE(sdt.fn<PortFn>("SDT_OpenPort")(1001) == 0x90);
  present_card(sdt, 1001);

  unsigned char fp[1024];
  unsigned fp_len = 0;
  REQUIRE(sdt.fn<BufLenFn>("SDT_ReadFPMsg")(1001, fp, &fp_len, 0) == 0x90);
  CHECK(std::vector<uint8_t>(fp, fp + fp_len) == image.fingerprint);

  const std::string text = dir.path + "/wz.txt", photo = dir.path + "/zp.wlt",
                    fpfile = dir.path + "/fp.dat";
  unsigned tl = 0, pl = 0, fl = 0;
  using ToFileFp = int(int, char*, unsigned*, char*, unsigned*, char*, unsigned*, int);
  REQUIRE(sdt.fn<ToFileFp>("SDT_ReadBaseFPMsgToFile")(
              1001, const_cast<char*>(text.c_str()), &tl, const_cast<char*>(photo.c_str()), &pl,
              const_cast<char*>(fpfile.c_str()), &fl, 0) == 0x90);
  CHECK(tl == 256);
  CHECK(pl == 1024);
  CHECK(fl == image.fingerprint.size());
  CHECK(file_bytes(text) == std::vector<uint8_t>(image.text.begin(), image.text.end()));
  CHECK(file_bytes(photo) == std::vector<uint8_t>(image.photo.begin(), image.photo.end()));
  CHECK(file_bytes(fpfile) == image.fingerprint);

  using ToFile = int(int, char*, unsigned*, char*, unsigned*, int);
  const std::string nowhere = dir.path + "/no/such/dir/wz.txt";
  CHECK(sdt.fn<ToFile>("SDT_ReadBaseMsgToFile")(1001, const_cast<char*>(nowhere.c_str()), &tl,
                                                const_cast<char*>(photo.c_str()), &pl, 0) == 0x09);
  CHECK(sdt.fn<ToFile>("SDT_ReadBaseMsgToFile")(1001, nullptr, &tl, nullptr, &pl, 0) == 0x21);

  unsigned char app[320];
  unsigned app_len = 0;
  const int all = sdt.fn<BufLenFn>("SDT_ReadAllAppMsg")(1001, app, &app_len, 0);
  CHECK(all == (image.addresses.empty() ? 0x91 : 0x90));

  // No management number, IIN/SN/DN in the reader's command set: 0x91, buffer untouched.
  unsigned char mng[64];
  std::memset(mng, 0xA5, sizeof mng);
  CHECK(sdt.fn<BufFn>("SDT_ReadMngInfo")(1001, mng, 0) == 0x91);
  CHECK(sdt.fn<BufFn>("SDT_ReadIINSNDN")(1001, mng, 0) == 0x91);
  CHECK(sdt.fn<BufFn>("SDT_ReadIINSNDNToASCII")(1001, mng, 0) == 0x91);
  CHECK(mng[0] == 0xA5);
  CHECK(mng[63] == 0xA5);
  CHECK(sdt.fn<PortFn>("SDT_ClosePort")(1001) == 0x90);
  CHECK(sdt.fn<BufFn>("SDT_ReadMngInfo")(1001, mng, 0) == 0x01);  // port closed

  // A tcp reader has no COM rate.
  unsigned baud = 0;
  CHECK(sdt.fn<int(int, unsigned*)>("SDT_GetCOMBaud")(1, &baud) == 0x05);
}

TEST_CASE("sdt abi: SDT_ReadFPMsg answers 0x91 for a card without fingerprint") {
  const std::string file = test::sample_dir() + "foreign-i.json";
  const sim::Scenario s = sim::load_scenario(file);
  REQUIRE(sim::make_card_image(s.cards.front().spec).fingerprint.empty());
  e2e::ReaderProcesses procs(file);
  const ReaderEnv env(tcp_uri(procs));
  Sdt sdt;
  REQUIRE(sdt.fn<PortFn>("SDT_OpenPort")(3) == 0x90);
  present_card(sdt, 3);
  unsigned char fp[1024];
  unsigned fp_len = 7;
  CHECK(sdt.fn<BufLenFn>("SDT_ReadFPMsg")(3, fp, &fp_len, 0) == 0x91);
  CHECK(fp_len == 7);  // untouched
}

TEST_CASE("sdt abi: SDT_ReadAllAppMsg hands over every appended address") {
  const std::string file = test::sample_dir() + "resident-longterm-address.json";
  const sim::Scenario s = sim::load_scenario(file);
  const sim::CardImage image = sim::make_card_image(s.cards.front().spec);
  REQUIRE(!image.addresses.empty());
  e2e::ReaderProcesses procs(file);
  const ReaderEnv env(tcp_uri(procs));
  Sdt sdt;
  REQUIRE(sdt.fn<PortFn>("SDT_OpenPort")(1016) == 0x90);
  present_card(sdt, 1016);
  unsigned char app[320];
  unsigned app_len = 0;
  REQUIRE(sdt.fn<BufLenFn>("SDT_ReadAllAppMsg")(1016, app, &app_len, 0) == 0x90);
  std::vector<uint8_t> expected;
  for (const auto& a : image.addresses) expected.insert(expected.end(), a.begin(), a.end());
  CHECK(std::vector<uint8_t>(app, app + app_len) == expected);
}

TEST_CASE("sdt abi: COM baud over a serial reader: get, set to a DESIGN 8 rate, refuse others") {
  test::PtyReaderProcesses procs(test::sample_dir() + "resident-fingerprint.json");
  const ReaderEnv env(procs.uri());
  Sdt sdt;
  auto get = sdt.fn<int(int, unsigned*)>("SDT_GetCOMBaud");
  auto set = sdt.fn<int(int, unsigned, unsigned)>("SDT_SetCOMBaud");
  unsigned baud = 0;
  REQUIRE(get(1, &baud) == 0x90);
  CHECK(baud == 115200);
  CHECK(set(1, 115200, 12345) == 0x21);  // not a rate of the set-baud command
  CHECK(set(17, 115200, 9600) == 0x01);  // not a COM port
  REQUIRE(set(1, 115200, 9600) == 0x90);
  REQUIRE(get(1, &baud) == 0x90);  // the reader answers at the new rate
  CHECK(baud == 9600);
  CHECK(sdt.fn<PortOpenFn>("SDT_GetSAMStatus")(1, 1) == 0x90);
}

TEST_CASE("sdt abi: SDT_GetErrorString names the SDK's codes and refuses unknown ones") {
  Sdt sdt;
  auto text = sdt.fn<int(int, char*)>("SDT_GetErrorString");
  char buf[64];
  CHECK(text(0x91, buf) == 0x90);
  CHECK(std::string(buf) == "no such content on the card");
  CHECK(text(0x80, buf) == 0x90);
  CHECK(std::string(buf) == "find card failed");
  CHECK(text(0x77, buf) == 0x21);
  CHECK(std::string(buf) == "unknown result code 0x77");
  CHECK(text(0x90, nullptr) == 0x21);
}
