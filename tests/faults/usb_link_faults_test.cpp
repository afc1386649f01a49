// The fault campaign on the USB host link (DESIGN 4, DESIGN 10): a bulk packet lost,
// repeated, or the cable pulled, at the packets of a full signed read in either direction,
// through the host library's real usb: transport (libusb) and umockdev, as tests/usb do:
// MockUsbDevice (tests/usb) answers libusb's usbfs calls and moves the packets over the
// firmware's USB bus to the in-process firmware's real USB device layer (UsbDevice on the
// host board's SocketUsbController), applying the fault on the way.
//
// USB moves packets, not bytes, and a bulk packet carries a CRC16 and a data toggle, so the
// byte faults of the byte transports become their nearest packet faults (README.md):
// byte loss -> a packet lost (the transfer ends -EPROTO, as after the host controller's three
// tries), duplication -> a packet delivered twice (a toggle failure; a compliant link drops
// the copy), disconnect -> the cable pulled before the packet (re-plugged and re-enumerated
// after the read).
//
// Time: the firmware runs on this thread in virtual time, as in the other classes; the host
// library's blocking calls (and MockUsbDevice's enumeration) run on a helper thread
// meanwhile, since a USB transfer completes only while the device answers. The firmware's
// controller waits for the bus in real time and passes the same virtual time when idle.
//
// Points: in the suite, of the first, the middle, the last and the longest transfer of each
// direction its first and last packet (and the longest one's middle packet); with
// IDR_FAULTS_FULL=1 (toolchain/fuzz --faults) every packet.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fault_rig.h"
#include "idr/board/socket_usb_controller.h"
#include "idr/core/usb/usb_device.h"
#include "idr/transport.h"
#include "link_sweep.h"
#include "mock_usb_device.h"

using namespace idr;
using namespace idr::faults;
using idr::test::MockUsbDevice;

namespace {

constexpr uint64_t kCommandBudgetNs = 3000ull * 1'000'000;  // ReaderOptions::command_timeout
constexpr std::chrono::milliseconds kRealBudget{600'000};

// with_firmware (link_sweep.h) also for MockUsbDevice's calls: they take its bus lock, which a
// transaction holds until the firmware answers it.

// The firmware's USB controller in the rig's virtual time: an idle wait of the socket
// controller passes the virtual time it was asked to wait. The socket controller waits in
// real time, and an idle bus is not idle: the host's pending IN transfer is NAKed again and
// again, so an idle wait costs a few times its virtual time in real time. While the host
// only waits for a reply (host_waiting: it sends nothing but IN tokens) and no IN packet of
// the firmware waits to be taken, nothing the firmware waits for can come in real time: the
// real wait is then only a look at the tokens already there plus kIdleRealShare of the
// virtual time (so a 3 s host timeout costs well under a second; the host's side of a
// timeout waits for its receiving thread, FirmwareRunningTransport::read). Whenever the
// firmware has an IN packet out, or the host writes, the wait is the real one.
class VirtualTimeController final : public core::usb::UsbController {
 public:
  static constexpr uint32_t kIdleRealShare = 8;  // real = virtual / 8 on such waits

  VirtualTimeController(board::SocketUsbController& real, std::function<void(uint32_t)> pass)
      : real_(real), pass_(std::move(pass)) {}
  bool host_waiting = false;  // set by the test's thread around its read loop

  Status wait_event(core::usb::UsbEvent& event, uint32_t timeout_us) override {
    using Kind = core::usb::UsbEvent::Kind;
    const bool idle = host_waiting && in_pending_ == 0;
    const Status s = real_.wait_event(event, idle ? 0 : timeout_us);
    if (s == Status::Io || (s == Status::Ok && event.kind == Kind::BusReset)) {
      in_pending_ = 0;  // the controller cleared every endpoint
    } else if (s == Status::Ok && event.kind == Kind::Setup) {
      in_pending_ &= ~1u;  // a SETUP cancels endpoint 0's data
    } else if (s == Status::Ok && event.kind == Kind::InSent) {
      in_pending_ &= ~bit(event.endpoint);
    }
    if (s == Status::Timeout) {
      if (idle) std::this_thread::sleep_for(std::chrono::microseconds(timeout_us / kIdleRealShare));
      pass_(timeout_us);
    }
    return s;
  }
  Status read_out(uint8_t endpoint, uint8_t* buf, size_t max, size_t& got) override {
    return real_.read_out(endpoint, buf, max, got);
  }
  Status write_in(uint8_t endpoint, const uint8_t* data, size_t len) override {
    const Status s = real_.write_in(endpoint, data, len);
    if (s == Status::Ok) in_pending_ |= bit(endpoint);
    return s;
  }
  void set_stall(uint8_t endpoint, bool stalled) override {
    real_.set_stall(endpoint, stalled);
    if (stalled) in_pending_ &= ~bit(endpoint);  // a halted IN endpoint drops its packet
  }
  void set_address(uint8_t address) override { real_.set_address(address); }
  void set_configured(bool configured) override { real_.set_configured(configured); }

 private:
  static uint32_t bit(uint8_t endpoint) { return 1u << (endpoint & 0x0F); }

  board::SocketUsbController& real_;
  std::function<void(uint32_t)> pass_;
  uint32_t in_pending_ = 0;  // IN endpoints (by number) holding a packet not taken yet
};

// The host library's usb: transport as a host driver uses it: a receiving thread keeps an IN
// transfer pending and queues what arrives (the firmware's reply leaves packet by packet
// within one firmware step, so the host must take packets while the firmware runs, as a
// kernel's socket buffer does for tcp://); writes are made while the firmware runs. The
// host's budget of 3 s per command counts virtual time, as in the other classes: a read ends
// with Timeout once the command written last has had it. The Reader's own budget counts real
// time, which here runs at the firmware's pace under the sanitizers and the machine's load,
// so the Reader gets a long one (kRealBudget) and this one applies.
class FirmwareRunningTransport final : public Transport {
 public:
  FirmwareRunningTransport(FaultRig& rig, VirtualTimeController& controller,
                           std::unique_ptr<Transport> usb)
      : rig_(rig),
        controller_(controller),
        usb_(std::move(usb)),
        receiver_([this] { receive(); }) {}
  ~FirmwareRunningTransport() override {
    stop_ = true;
    with_firmware(rig_, [this] {
      receiver_.join();  // its transfer ends within one 20 ms slice
      usb_.reset();      // releases the interface
    });
  }

  Result<void> write(const uint8_t* data, size_t len) override {
    rig_.note_command();
    command_until_ = rig_.now_ns() + kCommandBudgetNs;
    return with_firmware(rig_, [&] { return usb_->write(data, len); });
  }
  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override {
    const uint64_t until = std::min(
        command_until_, rig_.now_ns() + static_cast<uint64_t>(timeout.count()) * 1'000'000);
    // The firmware's idle waits are short while this waits (VirtualTimeController), so the
    // budget may run out before the receiving thread has passed on what the firmware sent:
    // a timeout needs two of its transfers to end empty after the budget ran out, and
    // meanwhile the firmware's waits are real ones again (virtual time passes as slowly as
    // before the budget ran out without the short waits).
    struct Waiting {
      VirtualTimeController& c;
      explicit Waiting(VirtualTimeController& controller) : c(controller) { c.host_waiting = true; }
      ~Waiting() { c.host_waiting = false; }
    } waiting(controller_);
    unsigned empty_after = 0;  // the receiver's empty transfers that must end first
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(m_);
        if (!received_.empty()) {
          const size_t n = std::min(max, received_.size());
          std::copy(received_.begin(), received_.begin() + static_cast<long>(n), buf);
          received_.erase(received_.begin(), received_.begin() + static_cast<long>(n));
          return n;
        }
        if (failed_) {
          const Error e = *failed_;
          if (e != Error::TransportClosed) failed_.reset();  // closed stays closed
          return e;
        }
      }
      if (rig_.now_ns() >= until) {
        controller_.host_waiting = false;
        if (empty_after == 0) empty_after = empty_transfers_ + 2;
        if (empty_transfers_ >= empty_after) {
          rig_.note_timeout();
          return Error::Timeout;
        }
      }
      rig_.step();
    }
  }
  void discard_input() override {
    std::lock_guard<std::mutex> lock(m_);
    received_.clear();  // what the receiving thread took; what is still on its way comes later
  }
  void cancel() override {}  // reads wait in virtual time, step by step
  void reset_cancel() override {}
  [[nodiscard]] std::string describe() const override { return usb_->describe(); }

 private:
  void receive() {
    uint8_t chunk[4096];
    while (!stop_) {
      auto got = usb_->read(chunk, sizeof chunk, std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(m_);
      if (got) {
        received_.insert(received_.end(), chunk, chunk + *got);
      } else if (got.error() == Error::Timeout) {
        ++empty_transfers_;
      } else {
        failed_ = got.error();  // the next read reports it (a transfer error, or unplugged)
        if (got.error() == Error::TransportClosed) return;
      }
    }
  }

  FaultRig& rig_;
  VirtualTimeController& controller_;
  std::unique_ptr<Transport> usb_;
  uint64_t command_until_ = 0;  // virtual: the host's budget for the command written last
  std::mutex m_;
  std::deque<uint8_t> received_;
  std::optional<Error> failed_;
  std::atomic<unsigned> empty_transfers_{0};  // the receiver's transfers that ended empty
  std::atomic<bool> stop_{false};
  std::thread receiver_;
};

// The host opens the reader anew (the previous transport is closed first).
void connect(FaultRig& rig, VirtualTimeController& controller) {
  rig.set_reader(nullptr);
  auto usb = with_firmware(rig, [] { return open_transport("usb:"); });
  REQUIRE(usb);
  ReaderOptions options;
  options.command_timeout = kRealBudget;
  rig.set_reader(std::make_unique<Reader>(Reader::over(
      std::make_unique<FirmwareRunningTransport>(rig, controller, std::move(usb).value()),
      options)));
}

// The packet indexes to fault in one direction (see the header comment), from the packet
// sizes of a clean read: a packet shorter than 64 bytes ends a transfer.
std::vector<uint64_t> points_of(const std::vector<size_t>& packets) {
  std::vector<std::pair<uint64_t, uint64_t>> transfers;  // [first, last]
  for (uint64_t i = 0, first = 0; i < packets.size(); ++i) {
    if (packets[i] < 64) {
      transfers.emplace_back(first, i);
      first = i + 1;
    }
  }
  std::set<uint64_t> out;
  if (full_sweep()) {
    for (uint64_t i = 0; i < packets.size(); ++i) out.insert(i);
  } else if (!transfers.empty()) {
    size_t longest = 0;
    for (size_t t = 0; t < transfers.size(); ++t)
      if (transfers[t].second - transfers[t].first >
          transfers[longest].second - transfers[longest].first)
        longest = t;
    for (const size_t t : {size_t{0}, transfers.size() / 2, transfers.size() - 1, longest}) {
      out.insert(transfers[t].first);
      out.insert(transfers[t].second);
    }
    out.insert((transfers[longest].first + transfers[longest].second) / 2);
  }
  return {out.begin(), out.end()};
}

}  // namespace

TEST_CASE("faults: host link packet loss, repetition and unplugging on usb: (libusb, umockdev)",
          "[faults][usb]") {
  auto rig = provisioned(scenario("resident-longterm-address"));  // over the in-memory link

  // From here the firmware's host link is its USB device layer on the bus MockUsbDevice
  // drives for libusb.
  board::SocketUsbController socket;
  REQUIRE(socket.listen_loopback(0) == Status::Ok);
  VirtualTimeController controller(socket, rig->pipe().wait_us);
  core::usb::UsbDevice device(controller, "IDR-FAULTS");
  rig->pipe().through = &device;
  std::unique_ptr<MockUsbDevice> usb =
      with_firmware(*rig, [&] { return std::make_unique<MockUsbDevice>(socket.port()); });
  // Also when a check throws: the host's transport goes while the device still answers, and
  // the firmware stops using the USB device before it goes.
  const HostLinkDetach detach{*rig};

  // A clean read: the packets going each way.
  connect(*rig, controller);
  with_firmware(*rig, [&] { usb->arm_bulk_fault(MockUsbDevice::BulkFault::None, false, 0); });
  const AttemptResult clean = rig->attempt();
  INFO(clean.detail);
  REQUIRE(clean.outcome == ReadOutcome::Recovered);
  const auto out_points = points_of(with_firmware(*rig, [&] { return usb->bulk_packets(false); }));
  const auto in_points = points_of(with_firmware(*rig, [&] { return usb->bulk_packets(true); }));
  REQUIRE(!out_points.empty());
  REQUIRE(!in_points.empty());
  std::vector<std::pair<bool, uint64_t>> points;  // (IN, index)
  for (const uint64_t i : out_points) points.emplace_back(false, i);
  for (const uint64_t i : in_points) points.emplace_back(true, i);

  using F = MockUsbDevice::BulkFault;
  for (const F kind : {F::Lost, F::Repeated, F::Unplugged}) {
    LinkFaultClass c;
    c.name = std::string("usb ") + (kind == F::Lost       ? "packet lost (byte loss)"
                                    : kind == F::Repeated ? "packet repeated (byte duplication)"
                                                          : "unplugged mid-frame (disconnect)");
    c.points = points.size();
    c.where = [&](size_t i) {
      return "packet " + std::to_string(points[i].second) +
             (points[i].first ? " to the host" : " to the reader");
    };
    c.arm = [&, kind](size_t i) -> std::function<bool()> {
      connect(*rig, controller);
      with_firmware(*rig, [&] { usb->arm_bulk_fault(kind, points[i].first, points[i].second); });
      return [&] { return with_firmware(*rig, [&] { return usb->bulk_fault_fired(); }); };
    };
    c.reconnect = [&, kind] {
      if (kind == F::Unplugged) {
        rig->set_reader(nullptr);
        with_firmware(*rig, [&] { usb->plug_in(socket.port()); });
      }
      rig->set_reader(nullptr);
      with_firmware(*rig, [&] { usb->arm_bulk_fault(F::None, false, 0); });
      connect(*rig, controller);
    };
    sweep(*rig, c);
  }
  CHECK(rig->simulator().model_errors().empty());
}
