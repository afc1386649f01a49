// The counter journal (firmware/crypto/counter_store.h) over the hw-sim flash model: order,
// page wrap-around, torn and foreign records, and a power cut at every write step.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <vector>

#include "idr/crypto/counter_store.h"
#include "idr/testing/crypto_rig.h"

using idr::Status;
using idr::crypto::CounterStore;
using idr::sim::CutPhase;
using idr::sim::FlashModel;
using idr::testing::ModelFlash;

namespace {
// Small pages (4 records) so a few reservations already wrap between the two pages.
constexpr uint32_t kPageSize = 64;
constexpr uint32_t kPages = 8;
constexpr uint32_t kPageA = 2;
constexpr uint32_t kPageB = 5;

uint64_t reserve(CounterStore& store) {
  uint64_t v = 0;
  REQUIRE(store.reserve_next(v) == Status::Ok);
  return v;
}
}  // namespace

TEST_CASE("counter journal: an empty flash starts at 1 and a reload continues") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  CounterStore store(flash, kPageA, kPageB);
  REQUIRE(store.load() == Status::Ok);
  CHECK(store.last() == 0);
  CHECK(reserve(store) == 1);
  CHECK(reserve(store) == 2);
  CHECK(reserve(store) == 3);
  CounterStore again(flash, kPageA, kPageB);
  REQUIRE(again.load() == Status::Ok);
  CHECK(again.last() == 3);
  CHECK(reserve(again) == 4);
  // Only the journal's pages were touched.
  for (uint32_t page = 0; page < kPages; ++page) {
    if (page == kPageA || page == kPageB) continue;
    for (uint32_t i = 0; i < kPageSize; ++i)
      REQUIRE(model.contents()[page * kPageSize + i] == 0xFF);
  }
}

TEST_CASE("counter journal wraps between its two pages and survives a reload at every value") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  uint64_t expected = 1;
  for (int round = 0; round < 40; ++round) {
    CounterStore store(flash, kPageA, kPageB);  // a restart before every reservation
    REQUIRE(store.load() == Status::Ok);
    CHECK(store.last() == expected - 1);
    CHECK(reserve(store) == expected);
    ++expected;
  }
  // 40 records at 4 per page: the pages were swapped (erased) about 9 times, both used.
  CHECK(model.erase_count(kPageA) + model.erase_count(kPageB) >= 9);
  CHECK(model.erase_count(kPageA) >= 4);
  CHECK(model.erase_count(kPageB) >= 4);
}

TEST_CASE("counter journal skips torn records and trusts only records with a valid CRC") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  CounterStore store(flash, kPageA, kPageB);
  REQUIRE(store.load() == Status::Ok);
  CHECK(reserve(store) == 1);
  // A torn record in the next slot: half a record with a huge value, CRC wrong.
  uint8_t rec[CounterStore::kRecordSize];
  CounterStore::encode(0x7FFFFFFFFFFFull, rec);
  rec[15] ^= 0x5A;
  REQUIRE(model.program(kPageA * kPageSize + 16, rec, sizeof(rec)) == Status::Ok);
  // And pure garbage in the slot after it.
  const uint8_t garbage[16] = {0x12, 0x00, 0x34, 0x00, 0x56, 0x00, 0x78, 0x00,
                               0x9A, 0x00, 0xBC, 0x00, 0xDE, 0x00, 0xF0, 0x00};
  REQUIRE(model.program(kPageA * kPageSize + 32, garbage, sizeof(garbage)) == Status::Ok);
  CounterStore again(flash, kPageA, kPageB);
  REQUIRE(again.load() == Status::Ok);
  CHECK(again.last() == 1);
  CHECK(reserve(again) == 2);  // written after the garbage, in the last slot of page A
  CHECK(reserve(again) == 3);  // page A full: page B erased and used
  CounterStore third(flash, kPageA, kPageB);
  REQUIRE(third.load() == Status::Ok);
  CHECK(third.last() == 3);
  uint64_t v = 0;
  CHECK(CounterStore::decode(model.contents().data() + kPageB * kPageSize, v));
  CHECK(v == 3);
}

TEST_CASE("counter journal takes the highest valid record of either page") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  uint8_t rec[CounterStore::kRecordSize];
  CounterStore::encode(1000, rec);
  REQUIRE(model.program(kPageB * kPageSize + 16, rec, sizeof(rec)) == Status::Ok);
  CounterStore::encode(7, rec);
  REQUIRE(model.program(kPageA * kPageSize, rec, sizeof(rec)) == Status::Ok);
  CounterStore store(flash, kPageA, kPageB);
  REQUIRE(store.load() == Status::Ok);
  CHECK(store.last() == 1000);
  CHECK(reserve(store) == 1001);
  uint64_t v = 0;
  CHECK(CounterStore::decode(model.contents().data() + kPageB * kPageSize + 32, v));
  CHECK(v == 1001);
}

TEST_CASE("counter journal refuses a bad layout") {
  FlashModel model(kPageSize, kPages);
  ModelFlash flash(model);
  CounterStore same(flash, 3, 3);
  CHECK(same.load() == Status::InvalidArgument);
  CounterStore outside(flash, 3, kPages);
  CHECK(outside.load() == Status::InvalidArgument);
  FlashModel odd(40, 4);
  ModelFlash odd_flash(odd);
  CounterStore misfit(odd_flash, 0, 1);
  CHECK(misfit.load() == Status::InvalidArgument);
}

// Power-cut safety of the counter journal (DESIGN 11): a power cut before, during or after EVERY
// program and erase of a run of reservations that wraps the pages several times. After the cut the
// firmware restarts from flash; the next counter must be strictly greater than every counter
// ever emitted (returned Ok), and the journal keeps working.
TEST_CASE("counter journal: after a power cut at any write step the counter never repeats") {
  constexpr int kReservations = 14;  // 4 per page: three page swaps
  // Steps of an uninterrupted run.
  uint64_t total_steps = 0;
  {
    FlashModel model(kPageSize, kPages, 11);
    ModelFlash flash(model);
    CounterStore store(flash, kPageA, kPageB);
    REQUIRE(store.load() == Status::Ok);
    for (int i = 0; i < kReservations; ++i) CHECK(reserve(store) == static_cast<uint64_t>(i + 1));
    total_steps = model.write_steps();
  }
  REQUIRE(total_steps >= kReservations + 3);

  int cut_points = 0;
  for (uint64_t step = 1; step <= total_steps; ++step) {
    for (CutPhase phase : {CutPhase::Before, CutPhase::During, CutPhase::After}) {
      INFO("cut at write step " << step << " phase " << static_cast<int>(phase));
      FlashModel model(kPageSize, kPages, 100 + step);
      ModelFlash flash(model);
      model.arm_power_cut(step, phase);
      uint64_t max_emitted = 0;
      {
        CounterStore store(flash, kPageA, kPageB);
        REQUIRE(store.load() == Status::Ok);
        for (int i = 0; i < kReservations; ++i) {
          uint64_t v = 0;
          const Status s = store.reserve_next(v);
          if (s != Status::Ok) break;  // the board lost power here
          CHECK(v > max_emitted);
          max_emitted = v;
        }
      }
      REQUIRE(model.cut_happened());
      ++cut_points;
      model.power_on();
      CounterStore restarted(flash, kPageA, kPageB);
      REQUIRE(restarted.load() == Status::Ok);
      CHECK(restarted.last() >= max_emitted);
      uint64_t prev = max_emitted;
      for (int i = 0; i < 6; ++i) {  // keeps working, strictly increasing, across more swaps
        const uint64_t v = reserve(restarted);
        CHECK(v > prev);
        prev = v;
      }
      CounterStore again(flash, kPageA, kPageB);
      REQUIRE(again.load() == Status::Ok);
      CHECK(again.last() == prev);
    }
  }
  WARN("counter journal power cuts covered: " << cut_points << " (" << total_steps
                                              << " write steps x before/during/after)");
  CHECK(cut_points == static_cast<int>(3 * total_steps));
}
