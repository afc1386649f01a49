#include "mock_usb_device.h"

#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <poll.h>
#include <umockdev.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "idr/board/usb_bus_wire.h"
#include "idr/posix/loopback.h"

namespace idr::test {

namespace wire = board::usbwire;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kDevNode = "/dev/bus/usb/001/002";
constexpr uint8_t kAddress = 2;
// How long the firmware may take to answer one transaction before the device counts as
// gone (it only answers between its own steps: a card read step can take a while).
constexpr std::chrono::seconds kTransactionTimeout{5};
// A control transfer NAKed for this long fails with a timeout.
constexpr std::chrono::seconds kControlTimeout{3};

struct Reply {
  wire::Handshake handshake = wire::Handshake::Stall;
  std::vector<uint8_t> data;
};

// One connection to the firmware's USB bus: transactions with a bounded wait each.
class BusConnection {
 public:
  explicit BusConnection(uint16_t port) : fd_(posix::connect_loopback(port)) {
    if (fd_ < 0)
      throw std::runtime_error("MockUsbDevice: nothing listens on the USB bus port " +
                               std::to_string(port));
  }
  ~BusConnection() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] bool open() const { return fd_ >= 0; }

  // false when the firmware is gone (closed, hung up, or no answer in time).
  bool transact(wire::Kind kind, uint8_t ep, const uint8_t* data, size_t len, Reply& reply) {
    if (fd_ < 0) return false;
    std::vector<uint8_t> msg{static_cast<uint8_t>(kind), ep, static_cast<uint8_t>(len & 0xFF),
                             static_cast<uint8_t>(len >> 8)};
    if (kind != wire::Kind::In && data != nullptr) msg.insert(msg.end(), data, data + len);
    if (!posix::write_all(fd_, msg.data(), msg.size())) return fail();
    uint8_t header[wire::kHeaderSize];
    if (!read_within(header, sizeof header)) return fail();
    reply.handshake = static_cast<wire::Handshake>(header[0]);
    const size_t n = static_cast<size_t>(header[2] | (header[3] << 8));
    if (n > wire::kMaxPacket) return fail();
    reply.data.assign(n, 0);
    if (n > 0 && !read_within(reply.data.data(), n)) return fail();
    return true;
  }

 private:
  bool fail() {
    close();
    return false;
  }
  bool read_within(uint8_t* buf, size_t n) {
    pollfd p{fd_, POLLIN, 0};
    const int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(kTransactionTimeout).count());
    if (::poll(&p, 1, ms) != 1) return false;
    return posix::read_exact(fd_, buf, n);
  }
  int fd_;
};

struct Urb {
  Urb() = default;
  Urb(const Urb&) = delete;
  Urb& operator=(const Urb&) = delete;
  ~Urb() {
    if (buffer != nullptr) umockdev_ioctl_data_unref(buffer);
    if (urb != nullptr) umockdev_ioctl_data_unref(urb);
  }
  UMockdevIoctlData* urb = nullptr;     // the client's struct usbdevfs_urb (our reference)
  UMockdevIoctlData* buffer = nullptr;  // its buffer (our reference)
  unsigned long client_addr = 0;
  uint8_t type = 0;
  uint8_t endpoint = 0;
  unsigned flags = 0;
  std::vector<uint8_t> data;  // control: setup + data stage; OUT: the bytes; IN: received
  size_t offset = 0;          // OUT bytes sent
  bool zlp_sent = false;
  bool done = false;
  int status = 0;
  int actual = 0;
};

}  // namespace

struct MockUsbDevice::Impl {
  UMockdevTestbed* testbed = nullptr;
  UMockdevIoctlBase* handler = nullptr;
  std::string syspath;
  std::vector<uint8_t> descriptors;

  std::mutex m;
  std::condition_variable cv;
  std::unique_ptr<BusConnection> bus;
  std::deque<std::shared_ptr<Urb>> urbs;  // submission order
  bool gone = false;
  bool stop = false;
  uint64_t completed = 0;
  std::thread thread;

  // The armed bulk fault (arm_bulk_fault) and the packets moved since.
  BulkFault fault = BulkFault::None;
  bool fault_in = false;
  uint64_t fault_index = 0;
  bool fault_fired = false;
  std::vector<size_t> moved[2];  // [0] OUT, [1] IN: packet sizes

  // The armed fault applies to the next packet of this direction (m held).
  bool fault_here(bool in) {
    if (fault == BulkFault::None || fault_fired || fault_in != in ||
        moved[in ? 1 : 0].size() != fault_index)
      return false;
    fault_fired = true;
    return true;
  }
  void unplug_now() {
    gone = true;
    if (bus) bus->close();
  }

  // --- transactions on the bus (m held) --------------------------------------------------

  // A whole control transfer, as a host controller runs it (USB 2.0 8.5.3). Returns the
  // usbfs status (0, -EPIPE stall, -ETIMEDOUT, -ESHUTDOWN gone); `in` receives IN data.
  int control(const uint8_t setup[8], const uint8_t* out, std::vector<uint8_t>& in) {
    if (!bus || !bus->open()) return -ESHUTDOWN;
    const bool dir_in = (setup[0] & 0x80) != 0;
    const size_t length = static_cast<size_t>(setup[6] | (setup[7] << 8));
    Reply r;
    if (!bus->transact(wire::Kind::Setup, 0, setup, 8, r)) return -ESHUTDOWN;
    if (r.handshake != wire::Handshake::Ack) return -EPIPE;
    const auto deadline = Clock::now() + kControlTimeout;
    // One packet with NAK retries; false = finished with status `st`.
    auto packet = [&](wire::Kind k, uint8_t ep, const uint8_t* d, size_t n, int& st) {
      for (;;) {
        if (!bus->transact(k, ep, d, n, r)) {
          st = -ESHUTDOWN;
          return false;
        }
        if (r.handshake == wire::Handshake::Ack) return true;
        if (r.handshake == wire::Handshake::Stall) {
          st = -EPIPE;
          return false;
        }
        if (Clock::now() > deadline) {
          st = -ETIMEDOUT;
          return false;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    };
    int st = 0;
    in.clear();
    if (dir_in) {
      while (in.size() < length) {
        if (!packet(wire::Kind::In, 0x80, nullptr, wire::kMaxPacket, st)) return st;
        in.insert(in.end(), r.data.begin(), r.data.end());
        if (r.data.size() < wire::kMaxPacket) break;  // short packet ends the data stage
      }
      if (in.size() > length) in.resize(length);
      if (!packet(wire::Kind::Out, 0x00, nullptr, 0, st)) return st;  // status: OUT ZLP
    } else {
      for (size_t sent = 0; sent < length;) {
        const size_t n = std::min<size_t>(wire::kMaxPacket, length - sent);
        if (!packet(wire::Kind::Out, 0x00, out + sent, n, st)) return st;
        sent += n;
      }
      if (!packet(wire::Kind::In, 0x80, nullptr, wire::kMaxPacket, st)) return st;  // status
    }
    return 0;
  }

  // Moves one bulk URB by at most one packet; true when something happened.
  bool bulk_step(Urb& u) {
    if (!bus || !bus->open()) {
      finish(u, -ESHUTDOWN);
      return true;
    }
    Reply r;
    if ((u.endpoint & 0x80) != 0) {
      const bool hit = fault_here(true);
      if (hit && fault == BulkFault::Unplugged) {
        unplug_now();
        finish(u, -ESHUTDOWN);
        return true;
      }
      if (!bus->transact(wire::Kind::In, u.endpoint, nullptr, wire::kMaxPacket, r)) {
        finish(u, -ESHUTDOWN);
        return true;
      }
      if (r.handshake == wire::Handshake::Nak) {
        if (hit) fault_fired = false;  // no packet yet: the fault waits for it
        return false;
      }
      if (r.handshake == wire::Handshake::Stall) {
        if (hit) fault_fired = false;
        finish(u, -EPIPE);
        return true;
      }
      moved[1].push_back(r.data.size());
      if (hit && fault == BulkFault::Lost) {
        finish(u, -EPROTO);  // the bytes before it stay in actual_length
        return true;
      }
      if (hit && fault == BulkFault::Repeated)
        r.data.insert(r.data.end(), r.data.begin(), r.data.end());
      const size_t room = u.data.size() - static_cast<size_t>(u.actual);
      const size_t n = std::min(room, r.data.size());
      if (n != 0) std::memcpy(u.data.data() + u.actual, r.data.data(), n);  // a ZLP has no data
      u.actual += static_cast<int>(n);
      if (r.data.size() > room)
        finish(u, -EOVERFLOW);
      else if (r.data.size() % wire::kMaxPacket != 0 || r.data.empty() ||
               static_cast<size_t>(u.actual) == u.data.size())
        finish(u, 0);  // a short packet (a repeated one counts as its size) ends the transfer
      return true;
    }
    const size_t n = std::min<size_t>(wire::kMaxPacket, u.data.size() - u.offset);
    const bool zlp = n == 0;
    const bool hit = fault_here(false);
    if (hit && fault == BulkFault::Unplugged) {
      unplug_now();
      finish(u, -ESHUTDOWN);
      return true;
    }
    if (hit && fault == BulkFault::Lost) {
      moved[0].push_back(n);
      finish(u, -EPROTO);  // the device never got it; the bytes before it were sent
      return true;
    }
    if (!bus->transact(wire::Kind::Out, u.endpoint, u.data.data() + u.offset, n, r)) {
      finish(u, -ESHUTDOWN);
      return true;
    }
    if (r.handshake == wire::Handshake::Nak) {
      if (hit) fault_fired = false;  // not taken: the fault waits for the packet's next try
      return false;
    }
    if (r.handshake == wire::Handshake::Stall) {
      finish(u, -EPIPE);
      return true;
    }
    moved[0].push_back(n);
    if (hit && fault == BulkFault::Repeated) return true;  // sent again at the next step
    u.offset += n;
    u.actual = static_cast<int>(u.offset);
    if (zlp) u.zlp_sent = true;
    const bool want_zlp = (u.flags & USBDEVFS_URB_ZERO_PACKET) != 0 && !u.data.empty() &&
                          u.data.size() % wire::kMaxPacket == 0;
    if (u.offset == u.data.size() && (!want_zlp || u.zlp_sent || zlp)) finish(u, 0);
    return true;
  }

  void finish(Urb& u, int status) {
    u.done = true;
    u.status = status;
    ++completed;
  }

  void run() {
    std::unique_lock<std::mutex> lock(m);
    while (!stop) {
      bool progressed = false;
      uint8_t seen[256] = {};  // first open URB per endpoint only: URBs keep their order
      for (auto& up : urbs) {
        Urb& u = *up;
        if (u.done || seen[u.endpoint]) continue;
        seen[u.endpoint] = 1;
        if (gone) {
          finish(u, -ESHUTDOWN);
          progressed = true;
        } else if (u.type == USBDEVFS_URB_TYPE_CONTROL) {
          std::vector<uint8_t> in;
          const int st = control(u.data.data(), u.data.data() + 8, in);
          if ((u.data[0] & 0x80) != 0) std::memcpy(u.data.data() + 8, in.data(), in.size());
          u.actual = (u.data[0] & 0x80) != 0 ? static_cast<int>(in.size())
                                             : (st == 0 ? static_cast<int>(u.data.size() - 8) : 0);
          finish(u, st);
          progressed = true;
        } else {
          progressed = bulk_step(u) || progressed;
        }
        if (bus && !bus->open()) gone = true;
      }
      if (progressed) cv.notify_all();
      // Nothing moved: the firmware NAKed or no URB waits. Poll again soon.
      cv.wait_for(lock, std::chrono::microseconds(progressed ? 0 : 300));
    }
  }

  // A synchronous control request on behalf of an ioctl the kernel turns into one.
  int sync_control(uint8_t type, uint8_t request, uint16_t value, uint16_t index) {
    const uint8_t setup[8] = {type,
                              request,
                              static_cast<uint8_t>(value & 0xFF),
                              static_cast<uint8_t>(value >> 8),
                              static_cast<uint8_t>(index & 0xFF),
                              static_cast<uint8_t>(index >> 8),
                              0,
                              0};
    std::vector<uint8_t> in;
    std::lock_guard<std::mutex> lock(m);
    if (gone) return -ENODEV;
    return control(setup, nullptr, in);
  }

  // --- enumeration ---------------------------------------------------------------------

  void enumerate(uint16_t port) {
    std::lock_guard<std::mutex> lock(m);
    bus = std::make_unique<BusConnection>(port);
    Reply r;
    if (!bus->transact(wire::Kind::Reset, 0, nullptr, 0, r))
      throw std::runtime_error("MockUsbDevice: the firmware did not answer the bus reset");
    std::vector<uint8_t> in;
    auto get = [&](uint8_t type, uint8_t request, uint16_t value, uint16_t length) {
      const uint8_t setup[8] = {
          type, request, static_cast<uint8_t>(value & 0xFF),  static_cast<uint8_t>(value >> 8),
          0,    0,       static_cast<uint8_t>(length & 0xFF), static_cast<uint8_t>(length >> 8)};
      const int st = control(setup, nullptr, in);
      if (st != 0)
        throw std::runtime_error("MockUsbDevice: enumeration request " + std::to_string(request) +
                                 " failed with status " + std::to_string(st));
    };
    get(0x00, 5, kAddress, 0);  // SET_ADDRESS
    get(0x80, 6, 0x0100, 18);   // GET_DESCRIPTOR device
    std::vector<uint8_t> all = in;
    if (all.size() != 18) throw std::runtime_error("MockUsbDevice: short device descriptor");
    get(0x80, 6, 0x0200, 9);  // configuration header: wTotalLength
    if (in.size() != 9) throw std::runtime_error("MockUsbDevice: short configuration descriptor");
    const uint16_t total = static_cast<uint16_t>(in[2] | (in[3] << 8));
    get(0x80, 6, 0x0200, total);  // the whole configuration
    if (in.size() != total) throw std::runtime_error("MockUsbDevice: configuration length");
    all.insert(all.end(), in.begin(), in.end());
    get(0x00, 9, 1, 0);  // SET_CONFIGURATION 1
    descriptors = all;
    gone = false;
  }

  void add_testbed_device() {
    std::string hex;
    char b[3];
    for (uint8_t v : descriptors) {
      std::snprintf(b, sizeof b, "%02x", v);
      hex += b;
    }
    // What the kernel publishes for a configured full-speed device (sysfs attributes that
    // libusb's linux backend reads: descriptors, busnum, devnum, bConfigurationValue, speed).
    const std::string text = std::string("P: /devices/usb1/1-1\n") +
                             "N: bus/usb/001/002\n"
                             "E: SUBSYSTEM=usb\n"
                             "E: DEVTYPE=usb_device\n"
                             "E: DRIVER=usb\n"
                             "E: BUSNUM=001\n"
                             "E: DEVNUM=002\n"
                             "E: DEVNAME=/dev/bus/usb/001/002\n"
                             "A: busnum=1\\n\n"
                             "A: devnum=2\\n\n"
                             "A: bConfigurationValue=1\\n\n"
                             "A: speed=12\\n\n"
                             "H: descriptors=" +
                             hex + "\n";
    GError* error = nullptr;
    if (!umockdev_testbed_attach_ioctl(testbed, kDevNode, handler, &error) ||
        !umockdev_testbed_add_from_string(testbed, text.c_str(), &error)) {
      const std::string msg = error != nullptr ? error->message : "unknown error";
      if (error != nullptr) g_error_free(error);
      throw std::runtime_error("MockUsbDevice: umockdev: " + msg);
    }
  }

  // --- usbfs ioctls (umockdev's worker thread) -------------------------------------------

  static gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer self) {
    return static_cast<Impl*>(self)->ioctl(client) ? TRUE : FALSE;
  }

  bool ioctl(UMockdevIoctlClient* client) {
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    auto done = [&](long result, int err) {
      umockdev_ioctl_client_complete(client, result, err);
      return true;
    };
    {
      std::lock_guard<std::mutex> lock(m);
      if (gone && request != USBDEVFS_REAPURB && request != USBDEVFS_REAPURBNDELAY &&
          request != USBDEVFS_DISCARDURB)
        return done(-1, ENODEV);
    }
    switch (request) {
      case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData* d = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), nullptr);
        if (d == nullptr) return done(-1, EFAULT);
        const uint32_t caps = USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_ZERO_PACKET;
        std::memcpy(d->data, &caps, sizeof caps);
        const bool r = done(0, 0);
        umockdev_ioctl_data_unref(d);
        return r;
      }
      case USBDEVFS_CLAIMINTERFACE:
      case USBDEVFS_RELEASEINTERFACE:
      case USBDEVFS_RESETEP:
        return done(0, 0);
      case USBDEVFS_GETDRIVER:
        return done(-1, ENODATA);  // no kernel driver bound to the vendor interface
      case USBDEVFS_SETCONFIGURATION: {
        UMockdevIoctlData* d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned), nullptr);
        if (d == nullptr) return done(-1, EFAULT);
        unsigned value = 0;
        std::memcpy(&value, d->data, sizeof value);
        umockdev_ioctl_data_unref(d);
        const int st = sync_control(0x00, 9, static_cast<uint16_t>(value), 0);
        return st == 0 ? done(0, 0) : done(-1, -st);
      }
      case USBDEVFS_CLEAR_HALT: {  // the kernel sends CLEAR_FEATURE(ENDPOINT_HALT)
        UMockdevIoctlData* d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned), nullptr);
        if (d == nullptr) return done(-1, EFAULT);
        unsigned ep = 0;
        std::memcpy(&ep, d->data, sizeof ep);
        umockdev_ioctl_data_unref(d);
        const int st = sync_control(0x02, 1, 0, static_cast<uint16_t>(ep));
        return st == 0 ? done(0, 0) : done(-1, -st);
      }
      case USBDEVFS_SUBMITURB:
        return submit(arg, done);
      case USBDEVFS_REAPURB:
      case USBDEVFS_REAPURBNDELAY:
        return reap(arg, done);
      case USBDEVFS_DISCARDURB: {
        unsigned long addr = 0;
        std::memcpy(&addr, arg->data, sizeof addr);  // the argument is the URB pointer itself
        std::lock_guard<std::mutex> lock(m);
        for (auto& u : urbs)
          if (u->client_addr == addr && !u->done) {
            finish(*u, -ENOENT);  // bytes that already arrived stay in actual_length
            cv.notify_all();
            return done(0, 0);
          }
        return done(-1, EINVAL);
      }
      default:
        return false;  // not usbfs: umockdev's default answer
    }
  }

  template <typename Done>
  bool submit(UMockdevIoctlData* arg, Done& done) {
    UMockdevIoctlData* ud = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
    if (ud == nullptr) return done(-1, EFAULT);
    auto u = std::make_shared<Urb>();
    u->urb = ud;  // resolve gave us a reference: the Urb drops it
    const auto* raw = reinterpret_cast<const usbdevfs_urb*>(ud->data);
    if (raw->buffer_length < 0 ||
        (raw->type != USBDEVFS_URB_TYPE_CONTROL && raw->type != USBDEVFS_URB_TYPE_BULK) ||
        (raw->type == USBDEVFS_URB_TYPE_CONTROL && raw->buffer_length < 8))
      return done(-1, EINVAL);
    u->buffer = raw->buffer_length > 0
                    ? umockdev_ioctl_data_resolve(ud, offsetof(usbdevfs_urb, buffer),
                                                  static_cast<size_t>(raw->buffer_length), nullptr)
                    : nullptr;
    raw = reinterpret_cast<const usbdevfs_urb*>(ud->data);
    u->client_addr = ud->client_addr;
    u->type = raw->type;
    u->endpoint = raw->endpoint;
    u->flags = raw->flags;
    u->data.assign(static_cast<size_t>(raw->buffer_length), 0);
    if (u->buffer != nullptr) std::memcpy(u->data.data(), u->buffer->data, u->data.size());
    if (u->type == USBDEVFS_URB_TYPE_CONTROL) {  // wLength must fit the buffer
      const size_t length = static_cast<size_t>(u->data[6] | (u->data[7] << 8));
      if (length + 8 > u->data.size()) return done(-1, EINVAL);
      u->data.resize(length + 8);
    }
    {
      std::lock_guard<std::mutex> lock(m);
      urbs.push_back(u);
    }
    cv.notify_all();
    return done(0, 0);
  }

  template <typename Done>
  bool reap(UMockdevIoctlData* arg, Done& done) {
    std::shared_ptr<Urb> u;
    {
      std::unique_lock<std::mutex> lock(m);
      auto ready = [&] {
        for (auto it = urbs.begin(); it != urbs.end(); ++it)
          if ((*it)->done) {
            u = *it;
            urbs.erase(it);
            return true;
          }
        return false;
      };
      // libusb polls REAPURBNDELAY in a loop (the node is a plain file): waiting a little
      // here keeps that loop from spinning a core.
      if (!ready() && !cv.wait_for(lock, std::chrono::milliseconds(1), ready))
        return done(-1, EAGAIN);
    }
    auto* urb = reinterpret_cast<usbdevfs_urb*>(u->urb->data);
    urb->status = u->status;
    urb->actual_length = u->actual;
    const bool has_in =
        u->type == USBDEVFS_URB_TYPE_CONTROL ? (u->data[0] & 0x80) != 0 : (u->endpoint & 0x80) != 0;
    if (has_in && u->buffer != nullptr && u->actual > 0) {
      const size_t at = u->type == USBDEVFS_URB_TYPE_CONTROL ? 8 : 0;
      std::memcpy(u->buffer->data + at, u->data.data() + at, static_cast<size_t>(u->actual));
    }
    UMockdevIoctlData* ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void*), nullptr);
    if (ptr == nullptr) return done(-1, EFAULT);
    umockdev_ioctl_data_set_ptr(ptr, 0, u->urb);  // the reaped URB's address for the client
    umockdev_ioctl_data_unref(ptr);
    return done(0, 0);
  }
};

MockUsbDevice::MockUsbDevice(uint16_t bus_port) : impl_(std::make_unique<Impl>()) {
  impl_->enumerate(bus_port);
  impl_->testbed = umockdev_testbed_new();
  if (!umockdev_in_mock_environment()) {  // true once a testbed exists under the preload
    g_object_unref(impl_->testbed);
    impl_->testbed = nullptr;
    throw std::runtime_error("MockUsbDevice: run this program under umockdev-wrapper");
  }
  impl_->handler = umockdev_ioctl_base_new();
  g_signal_connect(impl_->handler, "handle-ioctl", G_CALLBACK(&Impl::on_ioctl), impl_.get());
  impl_->add_testbed_device();
  impl_->thread = std::thread([this] { impl_->run(); });
}

MockUsbDevice::~MockUsbDevice() {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->testbed != nullptr) {
    GError* error = nullptr;
    (void)umockdev_testbed_detach_ioctl(impl_->testbed, kDevNode, &error);
    if (error != nullptr) g_error_free(error);
  }
  impl_->urbs.clear();
  if (impl_->handler != nullptr) g_object_unref(impl_->handler);
  if (impl_->testbed != nullptr) g_object_unref(impl_->testbed);
}

void MockUsbDevice::pull() {
  std::lock_guard<std::mutex> lock(impl_->m);
  impl_->gone = true;
  if (impl_->bus) impl_->bus->close();
  impl_->cv.notify_all();
}

void MockUsbDevice::plug_in(uint16_t bus_port) {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    for (auto& u : impl_->urbs)
      if (!u->done) impl_->finish(*u, -ESHUTDOWN);
  }
  impl_->enumerate(bus_port);
}

const std::vector<uint8_t>& MockUsbDevice::descriptors() const {
  return impl_->descriptors;
}

void MockUsbDevice::arm_bulk_fault(BulkFault kind, bool in, uint64_t index) {
  std::lock_guard<std::mutex> lock(impl_->m);
  impl_->fault = kind;
  impl_->fault_in = in;
  impl_->fault_index = index;
  impl_->fault_fired = false;
  impl_->moved[0].clear();
  impl_->moved[1].clear();
}

bool MockUsbDevice::bulk_fault_fired() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->fault_fired;
}

std::vector<size_t> MockUsbDevice::bulk_packets(bool in) const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->moved[in ? 1 : 0];
}

uint64_t MockUsbDevice::urbs_completed() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->completed;
}

}  // namespace idr::test
