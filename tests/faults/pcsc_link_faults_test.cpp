// The fault campaign on the PC/SC host link (DESIGN 4, DESIGN 10): an APDU lost, an APDU
// repeated, or the card removed before an APDU's answer, at the APDUs of a full signed read,
// through the host library's real pcsc: transport, the real pcscd and vsmartcard's vpcd
// (PcscStack, tests/pcsc). The card side is the in-process firmware's own vpcd link
// (VpcdHostLink, as idr-firmware --vpcd uses it); between it and vpcd the test holds both
// sockets (ApduFaultLink) and carries vpcd's messages, applying the fault on the way.
//
// pcscd hands the card whole APDUs, and vpcd's socket frames each one (2-byte length +
// payload): a byte fault there would break vpcd's own framing, which no reader has. So the
// byte faults of the byte transports become their nearest APDU faults (README.md):
// - byte loss -> an APDU lost: the command never reaches the card, or the card's answer
//   never returns. vpcd waits for an answer without a bound, so the card side answers the
//   exchange 6F 00 (no precise diagnosis), as the firmware's vpcd link answers a request the
//   firmware left unanswered: the transmit fails as with a reader that reports a mute card.
// - byte duplication -> an APDU repeated: the card gets the command twice and executes it
//   twice; the answer of the second execution goes back (the reader repeated the command
//   because the first answer did not reach it).
// - disconnect -> the card removed before the APDU's answer: both connections close (vpcd
//   ejects the card, the firmware's link sees it gone) and stay closed until pcscd shows
//   the slot empty; then the firmware's link connects again: the card is put back, and the
//   host opens the reader anew.
//
// Time: the firmware runs on this thread in virtual time, as in the other classes; pcscd's
// transmits (SCardTransmit inside the transport's write) run on a helper thread meanwhile
// (with_firmware), since a transmit completes only while the card answers. The host's
// budget of 3 s per command counts virtual time.
//
// Points: every APDU of a clean read, in the suite as with IDR_FAULTS_FULL=1 (toolchain/fuzz
// --faults): a full signed read is two (FIND, then READ_SIGNED with every field), so there
// is nothing to sample. APDU loss takes each point twice: the command lost, and its answer
// lost.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fault_rig.h"
#include "idr/board/vpcd_host_link.h"
#include "idr/posix/loopback.h"
#include "idr/proto/pcsc_envelope.h"
#include "idr/transport.h"
#include "link_sweep.h"
#include "pcsc_stack.h"

using namespace idr;
using namespace idr::faults;
using idr::test::PcscStack;

namespace {

constexpr uint64_t kCommandBudgetNs = 3000ull * 1'000'000;  // ReaderOptions::command_timeout
constexpr std::chrono::milliseconds kRealBudget{600'000};

enum class ApduFault { None, CommandLost, AnswerLost, Repeated, Removed };

// One vpcd message (2-byte big-endian length + payload). Both ends write whole messages.
bool read_message(int fd, std::vector<uint8_t>& msg) {
  uint8_t len[2];
  if (!posix::read_exact(fd, len, 2)) return false;
  msg.resize(static_cast<size_t>((len[0] << 8) | len[1]));
  return msg.empty() || posix::read_exact(fd, msg.data(), msg.size());
}

bool write_message(int fd, const uint8_t* payload, size_t n) {
  const uint8_t len[2] = {static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n & 0xFF)};
  return posix::write_all(fd, len, 2) && (n == 0 || posix::write_all(fd, payload, n));
}

// The test's hold on the link between vpcd and the card: it listens on the loopback for the
// firmware's vpcd link and, for each connection, connects to vpcd inside PcscStack's
// namespace, then carries the messages both ways on its own thread. vpcd is strictly
// request / answer (one exchange at a time), so the card's next message answers the last
// request. APDUs (payloads longer than one byte; one byte is vpcd's control: power, reset,
// ATR) are counted from arm(), and the armed one is faulted.
class ApduFaultLink {
 public:
  explicit ApduFaultLink(const PcscStack& stack) : stack_(stack) {
    listen_fd_ = posix::listen_loopback(0, port_, 4);
    if (listen_fd_ < 0) throw std::runtime_error("ApduFaultLink: listen failed");
    thread_ = std::thread([this] { run(); });
  }
  ~ApduFaultLink() {
    stop_ = true;
    thread_.join();
    close_both();
    ::close(listen_fd_);
  }
  ApduFaultLink(const ApduFaultLink&) = delete;
  ApduFaultLink& operator=(const ApduFaultLink&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  // Faults the APDU with index `apdu` (0 = the next one) with `fault`; counts from here.
  void arm(ApduFault fault, size_t apdu) {
    std::lock_guard<std::mutex> lock(m_);
    fault_ = fault;
    target_ = apdu;
    count_ = 0;
    fired_ = false;
  }
  // After a removal (the Removed fault) the card stays out, the firmware's link waiting to
  // be taken, until this puts it back.
  void put_back() { removed_ = false; }
  [[nodiscard]] bool fired() {
    std::lock_guard<std::mutex> lock(m_);
    return fired_;
  }
  [[nodiscard]] size_t apdus() {
    std::lock_guard<std::mutex> lock(m_);
    return count_;
  }

 private:
  enum class Answer { Forward, NoReply, DropFirst, Remove };

  void close_both() {
    if (card_ >= 0) ::close(card_);
    if (vpcd_ >= 0) ::close(vpcd_);
    card_ = vpcd_ = -1;
    answer_ = Answer::Forward;
  }

  bool send_no_reply() {
    const uint8_t sw[2] = {proto::pcsc::kSwNoReply >> 8, proto::pcsc::kSwNoReply & 0xFF};
    return write_message(vpcd_, sw, sizeof sw);
  }

  // A message from vpcd; false when a connection went (the card is then removed).
  bool from_vpcd(const std::vector<uint8_t>& msg) {
    answer_ = Answer::Forward;
    ApduFault fault = ApduFault::None;
    if (msg.size() > 1) {
      std::lock_guard<std::mutex> lock(m_);
      if (count_++ == target_ && fault_ != ApduFault::None) {
        fault = fault_;
        fired_ = true;
      }
    }
    switch (fault) {
      case ApduFault::CommandLost:
        return send_no_reply();  // never reaches the card
      case ApduFault::AnswerLost:
        answer_ = Answer::NoReply;
        break;
      case ApduFault::Repeated:
        if (!write_message(card_, msg.data(), msg.size())) return false;
        answer_ = Answer::DropFirst;
        break;
      case ApduFault::Removed:
        answer_ = Answer::Remove;
        break;
      case ApduFault::None:
        break;
    }
    return write_message(card_, msg.data(), msg.size());
  }

  // A message from the card.
  bool from_card(const std::vector<uint8_t>& msg) {
    const Answer a = answer_;
    answer_ = Answer::Forward;
    switch (a) {
      case Answer::Forward:
        return write_message(vpcd_, msg.data(), msg.size());
      case Answer::NoReply:
        return send_no_reply();
      case Answer::DropFirst:
        return true;  // the second execution's answer goes back
      case Answer::Remove:
        removed_ = true;
        return false;
    }
    return false;
  }

  void run() {
    std::vector<uint8_t> msg;
    while (!stop_) {
      if (card_ < 0 && removed_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      pollfd p[2] = {{card_ >= 0 ? vpcd_ : listen_fd_, POLLIN, 0}, {card_, POLLIN, 0}};
      const nfds_t n = card_ >= 0 ? 2 : 1;
      if (::poll(p, n, 20) <= 0) continue;
      if (card_ < 0) {
        // The card is inserted: the firmware's link connected; vpcd takes ours at its next
        // presence poll.
        card_ = posix::accept_client(listen_fd_);
        if (card_ >= 0) vpcd_ = stack_.connect_vpcd();
        if (vpcd_ < 0) close_both();
        continue;
      }
      bool ok = true;
      if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
        ok = read_message(vpcd_, msg) && from_vpcd(msg);
      else if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
        ok = read_message(card_, msg) && from_card(msg);
      if (!ok) close_both();  // the card removed (by the fault, or by either side)
    }
  }

  const PcscStack& stack_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  int card_ = -1, vpcd_ = -1;        // this thread only
  Answer answer_ = Answer::Forward;  // this thread only
  std::mutex m_;
  ApduFault fault_ = ApduFault::None;
  size_t target_ = 0, count_ = 0;
  bool fired_ = false;
  std::atomic<bool> removed_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The firmware's vpcd link in the rig's virtual time: a wait that ends without a message
// (real time, at most 20 ms) passes the virtual time the firmware asked to wait.
class VirtualTimeLink final : public hal::HostLink {
 public:
  VirtualTimeLink(hal::HostLink& real, std::function<void(uint32_t)> pass)
      : real_(real), pass_(std::move(pass)) {}
  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override {
    const Status s = real_.read(buf, max, got, timeout_us);
    if (s == Status::Timeout) pass_(timeout_us);
    return s;
  }
  Status write(const uint8_t* data, size_t len) override { return real_.write(data, len); }

 private:
  hal::HostLink& real_;
  std::function<void(uint32_t)> pass_;
};

// The host library's pcsc: transport with its transmits made while the firmware runs
// (with_firmware). Its answers are queued inside write(); a read with nothing queued waits
// in virtual time until the command written last has had the host's budget. The Reader's
// own budget counts real time, so it gets a long one (kRealBudget) and this one applies.
class FirmwareRunningTransport final : public Transport {
 public:
  FirmwareRunningTransport(FaultRig& rig, std::unique_ptr<Transport> pcsc)
      : rig_(rig), pcsc_(std::move(pcsc)) {}
  ~FirmwareRunningTransport() override {
    with_firmware(rig_, [this] { pcsc_.reset(); });
  }

  Result<void> write(const uint8_t* data, size_t len) override {
    rig_.note_command();
    command_until_ = rig_.now_ns() + kCommandBudgetNs;
    return with_firmware(rig_, [&] { return pcsc_->write(data, len); });
  }
  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override {
    const uint64_t until = std::min(
        command_until_, rig_.now_ns() + static_cast<uint64_t>(timeout.count()) * 1'000'000);
    for (;;) {
      const Result<size_t> r = pcsc_->read(buf, max, std::chrono::milliseconds(0));
      if (r || r.error() != Error::Timeout) return r;
      if (rig_.now_ns() >= until) {
        rig_.note_timeout();
        return Error::Timeout;
      }
      rig_.step();
    }
  }
  void discard_input() override { pcsc_->discard_input(); }
  void cancel() override { pcsc_->cancel(); }
  void reset_cancel() override { pcsc_->reset_cancel(); }
  [[nodiscard]] std::string describe() const override { return pcsc_->describe(); }

 private:
  FaultRig& rig_;
  std::unique_ptr<Transport> pcsc_;
  uint64_t command_until_ = 0;  // virtual: the host's budget for the command written last
};

// The host opens the reader anew once pcscd shows the card (the previous transport is closed
// first). After a removal the card comes back when the firmware's link has connected again
// and vpcd has taken the connection; an open that meets the old card's state is retried.
void connect(FaultRig& rig, const PcscStack& stack) {
  rig.set_reader(nullptr);
  Result<std::unique_ptr<Transport>> pcsc = Error::TransportOpen;
  for (int tries = 0; tries < 20 && !pcsc; ++tries) {
    pcsc = with_firmware(rig, [&]() -> Result<std::unique_ptr<Transport>> {
      if (!stack.wait_for_card(PcscStack::kStartTimeout)) return Error::TransportOpen;
      return open_transport(stack.uri());
    });
  }
  REQUIRE(pcsc);
  ReaderOptions options;
  options.command_timeout = kRealBudget;
  rig.set_reader(std::make_unique<Reader>(Reader::over(
      std::make_unique<FirmwareRunningTransport>(rig, std::move(pcsc).value()), options)));
}

}  // namespace

TEST_CASE("faults: host link APDU loss, repetition and card removal on pcsc: (pcscd, vpcd)",
          "[faults][pcsc]") {
  auto rig = provisioned(scenario("resident-longterm-address"));  // over the in-memory link

  // From here the firmware's host link is its vpcd link, connected to ApduFaultLink, which
  // connects to vpcd in pcscd.
  PcscStack stack{PcscStack::CardByCaller{}};
  ApduFaultLink apdus(stack);
  auto vpcd = std::make_unique<board::VpcdHostLink>();  // about 17 KiB of buffers
  REQUIRE(vpcd->connect_to(apdus.port()) == Status::Ok);
  VirtualTimeLink link(*vpcd, rig->pipe().wait_us);
  rig->pipe().through = &link;
  // Also when a check throws: the host's transport goes while the card still answers, and
  // the firmware stops using the link before it goes.
  const HostLinkDetach detach{*rig};

  // A clean read: its APDUs.
  connect(*rig, stack);
  apdus.arm(ApduFault::None, 0);
  const AttemptResult clean = rig->attempt();
  INFO(clean.detail);
  REQUIRE(clean.outcome == ReadOutcome::Recovered);
  const size_t count = apdus.apdus();
  REQUIRE(count > 0);

  for (const ApduFault kind : {ApduFault::CommandLost, ApduFault::Repeated, ApduFault::Removed}) {
    // APDU loss: each point with the command lost, then with its answer lost.
    std::vector<std::pair<ApduFault, size_t>> points;
    for (size_t i = 0; i < count; ++i) points.emplace_back(kind, i);
    if (kind == ApduFault::CommandLost)
      for (size_t i = 0; i < count; ++i) points.emplace_back(ApduFault::AnswerLost, i);
    LinkFaultClass c;
    c.name = std::string("pcsc ") + (kind == ApduFault::CommandLost ? "APDU lost (byte loss)"
                                     : kind == ApduFault::Repeated
                                         ? "APDU repeated (byte duplication)"
                                         : "card removed before the answer (disconnect)");
    c.points = points.size();
    c.where = [&](size_t i) {
      return "APDU " + std::to_string(points[i].second) +
             (points[i].first == ApduFault::AnswerLost ? ", its answer lost" : "");
    };
    c.arm = [&](size_t i) -> std::function<bool()> {
      connect(*rig, stack);
      apdus.arm(points[i].first, points[i].second);
      return [&] { return apdus.fired(); };
    };
    c.reconnect = [&, kind] {
      if (kind == ApduFault::Removed) {
        // pcscd sees the slot empty before the card is put back (vpcd's presence poll).
        CHECK(with_firmware(*rig, [&] { return stack.wait_for_empty(PcscStack::kStartTimeout); }));
        apdus.put_back();
      }
      apdus.arm(ApduFault::None, 0);
      connect(*rig, stack);
    };
    sweep(*rig, c);
  }
  CHECK(rig->simulator().model_errors().empty());
}
