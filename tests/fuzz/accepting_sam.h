#pragma once
// A SAM for the type_b target and its seed maker: every card is authentic (the mutual
// authentication ends after the card's first answer) and every card answer unwraps (its
// 8-byte session MAC and the SW dropped), so the reads behind authentication are reached.
#include <cstring>
#include <vector>

#include "idr/drivers/sam.h"

namespace idr::fuzz {

// Authenticates after one APDU and unwraps by dropping the 8-byte MAC and the SW.
class AcceptingSam final : public idr::drivers::Sam {
 public:
  idr::Status reset() override { return idr::Status::Ok; }
  idr::Status self_test() override { return idr::Status::Ok; }
  idr::Status get_id(uint8_t (&id)[16]) override {
    std::memset(id, 0x5A, sizeof id);
    return idr::Status::Ok;
  }
  idr::Status set_baud(uint32_t) override { return idr::Status::Ok; }
  idr::Status auth_start(const uint8_t (&)[8], uint8_t* apdu, size_t cap, size_t& n) override {
    static constexpr uint8_t kGetChallenge[] = {0x00, 0x84, 0x00, 0x00, 0x08};
    if (cap < sizeof kGetChallenge) return idr::Status::BufferTooSmall;
    std::memcpy(apdu, kGetChallenge, sizeof kGetChallenge);
    n = sizeof kGetChallenge;
    return idr::Status::Ok;
  }
  idr::Status auth_next(const uint8_t*, size_t, uint8_t*, size_t, size_t& n) override {
    n = 0;
    return idr::Status::Ok;
  }
  idr::Status unwrap_send(uint8_t, uint16_t, const uint8_t* resp, size_t len) override {
    pending_.assign(resp, resp + len);
    return idr::Status::Ok;
  }
  idr::Status unwrap_receive(uint8_t* plain, size_t cap, size_t& n) override {
    n = pending_.size() >= 10 ? pending_.size() - 10 : 0;
    if (n > cap) return idr::Status::BufferTooSmall;
    if (n != 0) std::memcpy(plain, pending_.data(), n);
    return idr::Status::Ok;
  }

 private:
  std::vector<uint8_t> pending_;
};

}  // namespace idr::fuzz
