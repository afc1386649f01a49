// PC/SC through the real pcscd + vpcd (PcscStack): pcsc_scan lists the reader and its card,
// removal and re-insertion seen through SCardGetStatusChange, legacy frames answered byte
// for byte (DESIGN 8) inside envelopes, and pulling the device while commands flow gives
// TransportClosed within the timeout, after which the next open works.
#include <winscard.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>

#include "e2e_support.h"
#include "idr/discovery.h"
#include "idr/proto/pcsc_envelope.h"
#include "idr/reader.h"
#include "idr/testing/shell_run.h"
#include "pcsc_stack.h"

using namespace idr;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

namespace {

const std::string kCard = test::sample_dir() + "resident-fingerprint.json";

// Reader options under which no command gives up within a case's ctest timeout (300 s):
// only the transport seeing the device gone ends a command (the pull cases).
const ReaderOptions kPatient = [] {
  ReaderOptions o;
  o.command_timeout = std::chrono::hours(1);
  return o;
}();

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string hex(const uint8_t* p, size_t n) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, i ? " %02X" : "%02X", p[i]);
    s += b;
  }
  return s;
}

// One legacy request frame through the transport; the whole reply frame.
Bytes exchange(Transport& t, const Bytes& request) {
  REQUIRE(t.write(request.data(), request.size()).ok());
  Bytes reply;
  for (;;) {
    uint8_t buf[8192];
    auto got = t.read(buf, sizeof buf, 3s);
    REQUIRE(got.ok());
    reply.insert(reply.end(), buf, buf + *got);
    const size_t whole = proto::pcsc::frame_size(reply.data(), reply.size());
    if (whole != 0 && reply.size() >= whole) return reply;
  }
}

// Reader state of our reader after the next change from `known` (bounded).
DWORD next_state(SCARDCONTEXT c, DWORD known, std::chrono::milliseconds bound) {
  const std::string name = test::PcscStack::reader_name();
  SCARD_READERSTATE s{};
  s.szReader = name.c_str();
  s.dwCurrentState = known;
  const LONG rv = SCardGetStatusChange(c, static_cast<DWORD>(bound.count()), &s, 1);
  return rv == SCARD_S_SUCCESS ? s.dwEventState : 0;
}

// Plugged back with the card: a new open reads it whole (fingerprint included).
void plug_and_read_again(test::PcscStack& stack) {
  stack.plug(kCard);
  REQUIRE(stack.wait_for_card(10s));
  auto again = Reader::open(stack.uri());
  REQUIRE(again.ok());
  auto card = again->wait_for_card(10s, kAll);
  INFO(message(card.error()));
  REQUIRE(card.ok());
  CHECK(card->fingerprint.size() == 1024);
}

}  // namespace

TEST_CASE("pcsc: pcsc_scan lists the simulated reader with the reader application's ATR") {
  test::PcscStack stack(kCard);
  // pcsc_scan runs until stopped: -t quits after 2 s, timeout(1) bounds it anyway; -n: no
  // ATR database lookup (it would fetch a list from the network).
  const std::string out = run("timeout 15 pcsc_scan -n -t 2 2>&1");
  INFO(out);
  CHECK(out.find(test::PcscStack::reader_name()) != std::string::npos);
  CHECK(out.find("Card inserted") != std::string::npos);
  CHECK(out.find(hex(proto::pcsc::kAtr.bytes, proto::pcsc::kAtrSize)) != std::string::npos);
}

// The pcsc: entries of `idr list --json` (run as a process).
static std::vector<std::string> listed_pcsc_uris() {
  const auto run = testing::shell_run(std::string(IDR_TOOL_EXE) + " list --json");
  INFO(run.out);
  REQUIRE(run.status == 0);
  const auto listed = nlohmann::json::parse(run.out);
  REQUIRE(listed.is_array());
  std::vector<std::string> uris;
  for (const auto& r : listed)
    if (r.at("transport") == "pcsc") uris.push_back(r.at("uri").get<std::string>());
  return uris;
}

TEST_CASE("pcsc: idr list --json lists the reader whose card has the application's ATR") {
  test::PcscStack stack(kCard);
  CHECK(listed_pcsc_uris() == std::vector<std::string>{stack.uri()});
  // The listed URI opens and the reader answers.
  auto reader = Reader::open(stack.uri());
  REQUIRE(reader.ok());
  CHECK(reader->status().ok());

  // pcscd still lists its reader (slot) with no card in it: that is not ours, not listed.
  stack.pull();
  SCARDCONTEXT c = 0;
  REQUIRE(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) == SCARD_S_SUCCESS);
  DWORD size = 0;
  CHECK(SCardListReaders(c, nullptr, nullptr, &size) == SCARD_S_SUCCESS);
  (void)SCardReleaseContext(c);
  CHECK(size > 1);  // at least one reader name
  CHECK(listed_pcsc_uris().empty());
  auto found = list_pcsc_readers();
  REQUIRE(found.ok());
  CHECK(found->empty());
}

TEST_CASE("pcsc: card removal and re-insertion are seen through SCardGetStatusChange") {
  test::PcscStack stack(kCard);
  SCARDCONTEXT c = 0;
  REQUIRE(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) == SCARD_S_SUCCESS);
  DWORD state = next_state(c, SCARD_STATE_UNAWARE, 2s);
  REQUIRE((state & SCARD_STATE_PRESENT) != 0);

  // Each change is waited for with no deadline of its own: one PC/SC never reports leaves
  // the loop waiting until ctest fails the case (TIMEOUT 300). No wall-clock bound (DESIGN 9).
  stack.pull();  // the vpcd socket closes: vpcd's next presence poll (~400 ms) sees no card
  while ((state & SCARD_STATE_EMPTY) == 0)
    state = next_state(c, state & ~SCARD_STATE_CHANGED, 1s) | (state & SCARD_STATE_EMPTY);

  stack.plug(kCard);  // the firmware connects again: inserted, with our ATR
  while ((state & SCARD_STATE_PRESENT) == 0)
    state = next_state(c, state & ~SCARD_STATE_CHANGED, 1s);
  CHECK(stack.wait_for_card(std::chrono::hours(1)));
  (void)SCardReleaseContext(c);

  // And the application answers through the new connection.
  auto reader = Reader::open(stack.uri());
  REQUIRE(reader.ok());
  CHECK(reader->status().ok());
}

TEST_CASE("pcsc: legacy frames are answered byte for byte inside envelopes (DESIGN 8)") {
  test::PcscStack stack(kCard);
  auto t = open_transport(stack.uri());
  REQUIRE(t.ok());
  Transport& link = **t;
  CHECK(link.describe() == stack.uri());
  const Bytes ok = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94};
  CHECK(exchange(link, {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED}) == ok);
  CHECK(exchange(link, {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x61, 0xFF, 0x50, 0xCA}) == ok);
  CHECK(exchange(link, {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22}) ==
        Bytes{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0, 0, 0, 0, 0x97});
  Bytes select_ok = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x0C, 0x00, 0x00, 0x90};
  select_ok.insert(select_ok.end(), 8, 0x00);
  select_ok.push_back(0x00 ^ 0x0C ^ 0x90);  // CHK: XOR of LEN and what follows
  CHECK(exchange(link, {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21}) == select_ok);
  // Read text + photo + fingerprint: 2321 bytes with 1024 of fingerprint (DESIGN 8).
  CHECK(exchange(link, {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x10, 0x23}).size() ==
        2321);
  // A bad checksum is the reader's 10, inside a successful envelope.
  const Bytes bad = exchange(link, {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0x00});
  REQUIRE(bad.size() == 11);
  CHECK(bad[9] == 0x10);
}

TEST_CASE("pcsc: envelope rules are enforced by the card (status words, no frame)") {
  test::PcscStack stack(kCard);
  SCARDCONTEXT c = 0;
  REQUIRE(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) == SCARD_S_SUCCESS);
  SCARDHANDLE card = 0;
  DWORD proto = 0;
  const std::string name = test::PcscStack::reader_name();
  REQUIRE(SCardConnect(c, name.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &proto) ==
          SCARD_S_SUCCESS);
  auto sw_of = [&](const Bytes& apdu) {
    uint8_t r[300];
    DWORD n = sizeof r;
    REQUIRE(SCardTransmit(card, SCARD_PCI_T1, apdu.data(), static_cast<DWORD>(apdu.size()), nullptr,
                          r, &n) == SCARD_S_SUCCESS);
    REQUIRE(n == 2);  // status word only
    return static_cast<uint16_t>((r[0] << 8) | r[1]);
  };
  CHECK(sw_of({0x00, 0xA4, 0x04, 0x00, 0x00}) == proto::pcsc::kSwClaNotSupported);
  CHECK(sw_of({0x80, 0xCA, 0x00, 0x00, 0x00}) == proto::pcsc::kSwInsNotSupported);
  CHECK(sw_of({0x80, 0xE0, 0x01, 0x00, 0x00}) == proto::pcsc::kSwWrongP1P2);
  // Short-length form, and a frame cut short (LEN says 3, 2 follow).
  CHECK(sw_of({0x80, 0xE0, 0x00, 0x00, 0x03, 0x11, 0xFF, 0xED}) == proto::pcsc::kSwWrongLength);
  CHECK(sw_of({0x80, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x09, 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03,
               0x11, 0xFF, 0x00, 0x00}) == proto::pcsc::kSwWrongLength);
  (void)SCardDisconnect(card, SCARD_LEAVE_CARD);
  (void)SCardReleaseContext(c);
}

TEST_CASE("pcsc: pulling the device while commands flow gives TransportClosed, then reopen works") {
  test::PcscStack stack(std::string(IDR_SOURCE_DIR) + "/tests/hostlib/scenarios/empty-field.json");
  auto t = open_transport(stack.uri());
  REQUIRE(t.ok());
  auto counting = std::make_unique<test::CountingTransport>(std::move(t).value());
  test::CountingTransport& spy = *counting;
  // The command budget and the wait are far beyond the case's ctest timeout, so only the
  // transport seeing the device gone ends the wait: a pull it does not see leaves the
  // reader polling or waiting until ctest fails the case. No wall-clock bound (DESIGN 9).
  Reader reader = Reader::over(std::move(counting), kPatient);
  // Polls find (no card in the field) until the device goes.
  auto waiting = std::async(std::launch::async, [&] {
    return reader.wait_for_card(std::chrono::hours(1), kAll).error();
  });
  REQUIRE(spy.wait_for_writes(3, 10s));
  stack.pull();
  CHECK(waiting.get() == Error::TransportClosed);
  CHECK(reader.status().error() == Error::TransportClosed);  // sticky on this transport

  // Plugged back with a card: a new open reads it.
  plug_and_read_again(stack);
}

TEST_CASE("pcsc: pulling the device mid-read gives TransportClosed, then reopen works") {
  test::PcscStack stack(kCard);
  auto t = open_transport(stack.uri());
  REQUIRE(t.ok());
  auto counting = std::make_unique<test::CountingTransport>(std::move(t).value());
  test::CountingTransport& spy = *counting;
  // Only the pull can end the read below (see the case above).
  Reader reader = Reader::over(std::move(counting), kPatient);
  auto found = reader.find_card();
  REQUIRE(found.ok());
  REQUIRE(*found);
  // The simulator stops: the firmware blocks inside the read (ATTRIB waits on the sim wire),
  // so the pull below lands in the middle of read_card, not between commands.
  const size_t before = spy.started();
  stack.freeze_simulator();
  auto reading = std::async(std::launch::async, [&] { return reader.read_card(kAll).error(); });
  REQUIRE(spy.wait_for_started(before + 1, 10s));  // the select of read_card is on its way
  stack.pull();
  CHECK(reading.get() == Error::TransportClosed);

  plug_and_read_again(stack);
}
