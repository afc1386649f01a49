// idr-sim as a process: a host board connects over TCP (SocketSimLink) and the firmware's
// SAM link driver talks to the scenario's SAM through it.
#include <catch2/catch.hpp>

#include "child_process.h"
#include "idr/board/host_board.h"
#include "idr/board/socket_sim_link.h"
#include "idr/drivers/sam_link.h"
#include "idr/sim/scenario.h"
#include "idr/testing/no_host.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {

const std::string kScenario =
    std::string(IDR_SOURCE_DIR) + "/tests/e2e/scenarios/one_card_full.json";

}  // namespace

TEST_CASE("e2e: idr-sim serves boards one at a time over loopback TCP") {
  e2e::ChildProcess sim({IDR_SIM_EXE, "--scenario", kScenario, "--listen", "127.0.0.1:0"});
  const unsigned short port = e2e::parse_loopback_port(sim.wait_for_line("listening on ", 15s));
  const auto expected_id = sim::load_scenario(kScenario).sam_id;

  uint64_t first_now_us = 0;
  for (int connection = 0; connection < 2; ++connection) {
    board::SocketSimLink link;
    REQUIRE(link.connect_loopback(port) == Status::Ok);
    testing::NoHost host;
    board::HostBoard hb(link, host);
    REQUIRE(hb.start() == Status::Ok);
    CHECK(hb.mcu_hz() == 96'000'000u);
    drivers::SamLink sam(hb.board().sam_uart, hb.board().clock);
    uint8_t id[16] = {};
    REQUIRE(sam.get_id(id) == Status::Ok);
    for (size_t i = 0; i < 16; ++i) CHECK(id[i] == expected_id[i]);
    const uint64_t now = hb.board().clock.now_us();
    // The second board continues the same simulation: time does not restart.
    if (connection == 0)
      first_now_us = now;
    else
      CHECK(now > first_now_us);
  }
  CHECK(sim.running());
}

TEST_CASE("e2e: idr-sim refuses addresses other than loopback and a missing scenario") {
  e2e::ChildProcess bad_address({IDR_SIM_EXE, "--scenario", kScenario, "--listen", "0.0.0.0:0"});
  CHECK_THROWS(bad_address.read_line(5s));  // exits without announcing a port
  e2e::ChildProcess no_file({IDR_SIM_EXE, "--scenario", "/nonexistent/scenario.json"});
  CHECK_THROWS(no_file.read_line(5s));
}
