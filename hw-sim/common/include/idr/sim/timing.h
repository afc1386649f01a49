#pragma once
// Timing parameters of DESIGN 9: part of the contract. Change a default only with a cited
// source, in DESIGN.md too. Scenarios may override them for experiments.
#include <cstdint>

#include "idr/sim/clock.h"

namespace idr::sim {

struct TimingParams {
  Time card_turnaround = 1 * kMs;        // card processing before answering any command
  Time card_per_response_byte = 10 * kUs;
  Time card_auth_total = 30 * kMs;       // card side of mutual authentication, in all
  uint8_t card_fwi = 8;                  // FWI the card declares in ATQB
  Time sam_per_operation = 3 * kMs;
  Time sam_per_byte = 15 * kUs;          // per byte the SAM processes (request + reply data)
  uint32_t sam_baud = 115200;            // at power-up; the firmware may raise it
  uint64_t spi_hz = 10'000'000;
  uint64_t host_link_bps = 12'000'000;   // USB full speed
  uint64_t mcu_hz = 96'000'000;
  double cycles_per_instruction = 1.25;
};

}  // namespace idr::sim
