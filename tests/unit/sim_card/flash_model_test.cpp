// The flash model: NOR rules (erase -> FF, program clears bits only) and power cuts at
// every write step, enumerated.
#include <catch2/catch.hpp>

#include <cstring>

#include "idr/sim/flash_model.h"

using idr::Status;
using namespace idr::sim;

TEST_CASE("fresh flash reads FF, erase sets FF, program ANDs", "[flash]") {
  FlashModel f(256, 4);
  CHECK(f.size() == 1024);
  uint8_t buf[4]{};
  REQUIRE(f.read(250, buf, 4) == Status::Ok);
  CHECK(std::all_of(buf, buf + 4, [](uint8_t b) { return b == 0xFF; }));
  const uint8_t a[2] = {0x0F, 0xF0};
  REQUIRE(f.program(10, a, 2) == Status::Ok);
  const uint8_t b[2] = {0xFF, 0x3C};  // asks for 0 -> 1 in byte 0: no effect (NOR)
  REQUIRE(f.program(10, b, 2) == Status::Ok);
  REQUIRE(f.read(10, buf, 2) == Status::Ok);
  CHECK(buf[0] == 0x0F);
  CHECK(buf[1] == 0x30);
  REQUIRE(f.erase_page(0) == Status::Ok);
  REQUIRE(f.read(10, buf, 2) == Status::Ok);
  CHECK(buf[0] == 0xFF);
  CHECK(buf[1] == 0xFF);
  CHECK(f.erase_count(0) == 1);
  CHECK(f.write_steps() == 3);
}

TEST_CASE("Refuse rule rejects 0 -> 1 and leaves the bytes alone", "[flash]") {
  FlashModel f(64, 2, 1, ProgramRule::Refuse);
  const uint8_t a = 0x00, b = 0x01;
  REQUIRE(f.program(0, &a, 1) == Status::Ok);
  CHECK(f.program(0, &b, 1) == Status::FlashError);
  CHECK(f.contents()[0] == 0x00);
}

TEST_CASE("out-of-range accesses are InvalidArgument and not write steps", "[flash]") {
  FlashModel f(64, 2);
  uint8_t b = 0;
  CHECK(f.read(128, &b, 1) == Status::InvalidArgument);
  CHECK(f.program(127, &b, 2) == Status::InvalidArgument);
  CHECK(f.erase_page(2) == Status::InvalidArgument);
  CHECK(f.write_steps() == 0);
}

namespace {
// A tiny "record" writer with three write steps: erase, program payload, program commit mark.
Status write_record(FlashModel& f) {
  if (Status s = f.erase_page(1); s != Status::Ok) return s;
  const uint8_t payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  if (Status s = f.program(64, payload, 8); s != Status::Ok) return s;
  const uint8_t mark = 0x00;
  return f.program(72, &mark, 1);
}
}  // namespace

TEST_CASE("power cut at every write step, before / during / after", "[flash][powercut]") {
  FlashModel dry(64, 2);
  std::vector<uint8_t> pre(dry.size());
  {  // page 1 holds old data that the erase must wipe
    const uint8_t old[8] = {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
    REQUIRE(dry.program(64, old, 8) == Status::Ok);
  }
  const std::vector<uint8_t> start = dry.contents();
  const uint64_t base = dry.write_steps();
  REQUIRE(write_record(dry) == Status::Ok);
  const uint64_t steps = dry.write_steps() - base;
  REQUIRE(steps == 3);
  const std::vector<uint8_t> done = dry.contents();

  for (uint64_t n = 1; n <= steps; ++n) {
    for (CutPhase phase : {CutPhase::Before, CutPhase::During, CutPhase::After}) {
      INFO("step " << n << " phase " << static_cast<int>(phase));
      FlashModel f(64, 2, 99);
      const uint8_t old[8] = {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
      REQUIRE(f.program(64, old, 8) == Status::Ok);
      f.arm_power_cut(base + n, phase);
      CHECK(write_record(f) == Status::Io);
      CHECK(f.cut_happened());
      CHECK_FALSE(f.powered());
      uint8_t b = 0;
      CHECK(f.read(0, &b, 1) == Status::Io);  // no power, nothing works
      f.power_on();
      CHECK(f.write_steps() == base + n);  // nothing ran after the cut
      // Page 0 is never touched.
      CHECK(std::equal(f.contents().begin(), f.contents().begin() + 64, start.begin()));
      if (n == steps && phase == CutPhase::After) CHECK(f.contents() == done);
      if (n == 1 && phase == CutPhase::Before) CHECK(f.contents() == start);
      if (n == 1 && phase == CutPhase::After)
        CHECK(std::all_of(f.contents().begin() + 64, f.contents().end(),
                          [](uint8_t x) { return x == 0xFF; }));
      if (phase == CutPhase::During && n == 1) {
        // Half-erased page: neither the old nor the erased state.
        const std::vector<uint8_t> page(f.contents().begin() + 64, f.contents().end());
        CHECK(page != std::vector<uint8_t>(start.begin() + 64, start.end()));
        CHECK(page != std::vector<uint8_t>(64, 0xFF));
      }
    }
  }
}

TEST_CASE("cut garbage is seeded", "[flash][powercut]") {
  auto run = [](uint64_t seed) {
    FlashModel f(64, 1, seed);
    const uint8_t old[4] = {0, 0, 0, 0};
    REQUIRE(f.program(0, old, 4) == Status::Ok);
    f.arm_power_cut(2, CutPhase::During);
    CHECK(f.erase_page(0) == Status::Io);
    return f.contents();
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}
