#include <catch2/catch.hpp>
#include <vector>

#include "idr/sim/air.h"
#include "idr/sim/clock.h"

using namespace idr::sim;

TEST_CASE("events run in time order, ties in scheduling order") {
  EventQueue q;
  std::vector<int> order;
  q.schedule(30, [&] { order.push_back(3); });
  q.schedule(10, [&] { order.push_back(1); });
  q.schedule(10, [&] { order.push_back(2); });
  q.advance_to(100);
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(q.now() == 100);
}

TEST_CASE("run_until stops at the event that makes the predicate true") {
  EventQueue q;
  bool irq = false;
  q.schedule(500, [&] { irq = true; });
  q.schedule(900, [] {});
  CHECK(q.run_until(10'000, [&] { return irq; }));
  CHECK(q.now() == 500);
  CHECK(q.next_time() == Time{900});
}

TEST_CASE("run_until times out at the deadline and leaves later events pending") {
  EventQueue q;
  bool ran = false;
  q.schedule(2000, [&] { ran = true; });
  CHECK_FALSE(q.run_until(1000, [] { return false; }));
  CHECK(q.now() == 1000);
  CHECK_FALSE(ran);
}

TEST_CASE("cancelled events do not run, scheduling in the past runs now") {
  EventQueue q;
  int count = 0;
  auto id = q.schedule(10, [&] { ++count; });
  q.cancel(id);
  q.advance_to(50);
  CHECK(count == 0);
  q.schedule(5, [&] { ++count; });
  q.advance_to(50);
  CHECK(count == 1);
}

TEST_CASE("air time per ISO 14443-3: etu = 128/fc, FWT(8) about 77 ms") {
  // 1 etu = 128 / 13.56 MHz = 9.4395 us; REQB + CRC = 5 bytes: 10 + 2 + 50 + 10 = 72 etu.
  CHECK(type_b_frame_time(5) == fc_cycles(128 * 72));
  CHECK(type_b_frame_time(5) / kUs == 679);  // 72 * 9.4395 us = 679.6 us
  CHECK(fwt(8) / kUs == 77'328);              // 4096/fc * 256 = 77.328 ms
  CHECK(kTr0Min / kNs == 75'516);             // 64/fs = 1024/fc
}
