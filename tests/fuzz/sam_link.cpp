// SAM link driver (drivers/sam): the firmware's parser of SAM replies. Each request the
// driver writes makes the next reply chunk of the input readable, delivered in pieces of a
// size the input picks; the driver must find frames after garbage, honour its buffers and
// return within its deadlines (the fake clock advances on every wait).
#include <cstdlib>
#include <deque>
#include <vector>

#include "fuzz_input.h"
#include "idr/drivers/sam_link.h"

namespace {

using idr::Status;

class ScriptedUart final : public idr::hal::Uart, public idr::hal::Clock {
 public:
  explicit ScriptedUart(idr::fuzz::Input& in) : in_(in) {}
  Status write(const uint8_t*, size_t) override {
    const auto reply = in_.chunk();
    pending_.insert(pending_.end(), reply.begin(), reply.end());
    return Status::Ok;
  }
  Status read(uint8_t* buf, size_t max, size_t& got, uint32_t timeout_us) override {
    got = 0;
    if (pending_.empty()) {
      now_ += timeout_us;
      return Status::Timeout;
    }
    while (got < max && got < piece_ && !pending_.empty()) {
      buf[got++] = pending_.front();
      pending_.pop_front();
    }
    now_ += 50;
    return Status::Ok;
  }
  Status set_baud(uint32_t) override { return Status::Ok; }
  void flush_input() override { pending_.clear(); }
  uint64_t now_us() override { return now_; }
  void delay_us(uint32_t us) override { now_ += us; }
  size_t piece_ = 1;

 private:
  idr::fuzz::Input& in_;
  std::deque<uint8_t> pending_;
  uint64_t now_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  ScriptedUart uart(in);
  uart.piece_ = 1 + in.u8();
  idr::drivers::SamLink link(uart, uart);
  uint8_t buf[idr::sam::kMaxFrame] = {};
  for (int step = 0; step < 16 && !in.empty(); ++step) {
    size_t n = 0;
    const size_t cap = 1 + in.u8();  // callers' buffers of every size
    switch (in.u8() % 8) {
      case 0:
        (void)link.reset();
        break;
      case 1:
        (void)link.self_test();
        break;
      case 2: {
        uint8_t id[16];
        (void)link.get_id(id);
        break;
      }
      case 3:
        (void)link.set_baud(in.u32());
        break;
      case 4: {
        const uint8_t uid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        if (link.auth_start(uid, buf, cap, n) == Status::Ok && n > cap) abort();
        break;
      }
      case 5: {
        const auto resp = in.bytes(in.u8());
        if (link.auth_next(resp.data(), resp.size(), buf, cap, n) == Status::Ok && n > cap) abort();
        break;
      }
      case 6: {
        const auto resp = in.bytes(in.u16() % 300);
        const uint8_t file = in.u8();
        const uint16_t offset = in.u16();
        if (link.unwrap(file, offset, resp.data(), resp.size(), buf, cap, n) == Status::Ok &&
            n > cap)
          abort();
        break;
      }
      default: {
        const auto req = in.bytes(in.u8());
        const auto cmd = static_cast<idr::sam::Cmd>(in.u8());
        if (link.exchange(cmd, req.data(), req.size(), buf, cap, n) == Status::Ok && n > cap)
          abort();
        break;
      }
    }
  }
  return 0;
}
