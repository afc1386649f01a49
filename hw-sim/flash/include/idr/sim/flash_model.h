#pragma once
// NOR-like flash model (DESIGN 3): erase sets a page to 0xFF, program can only clear bits,
// and a power cut can be injected at any write step to test power-fail-safe storage.
//
// Programming a 0 bit back to 1: real NOR cells cannot do it; the array keeps old AND new
// (ProgramRule::AndBits, the default, what a NOR array does when the controller lets the
// write through). ProgramRule::Refuse models controllers that reject programming a location
// whose bits would have to go 0 -> 1 (e.g. STM32 PGERR): FlashError and nothing changes.
//
// Power cuts: every program or erase call that passes the argument checks is one write
// step, numbered from 1 (write_steps() counts them). arm_power_cut(n, phase) cuts power at
// step n: Before (nothing written), During (half-written: a seeded-random prefix of a
// program lands, the rest of the range is old AND random; an erase leaves old OR random in
// the page) or After (fully written, but the caller never hears so). The cut call returns
// Status::Io, and every call after it too until power_on(): the board has lost power.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "idr/status.h"

namespace idr::sim {

enum class CutPhase : uint8_t { Before, During, After };
enum class ProgramRule : uint8_t { AndBits, Refuse };

class FlashModel {
 public:
  FlashModel(uint32_t page_size, uint32_t page_count, uint64_t seed = 1,
             ProgramRule rule = ProgramRule::AndBits);

  [[nodiscard]] uint32_t page_size() const { return page_size_; }
  [[nodiscard]] uint32_t page_count() const { return page_count_; }
  [[nodiscard]] size_t size() const { return mem_.size(); }

  [[nodiscard]] Status read(uint32_t addr, uint8_t* out, size_t len);
  [[nodiscard]] Status program(uint32_t addr, const uint8_t* data, size_t len);
  [[nodiscard]] Status erase_page(uint32_t page);

  [[nodiscard]] uint64_t write_steps() const { return steps_; }
  void arm_power_cut(uint64_t step, CutPhase phase);
  void disarm_power_cut() { cut_.reset(); }
  [[nodiscard]] bool powered() const { return powered_; }
  // Power comes back (the contents stay as the cut left them).
  void power_on() { powered_ = true; }
  [[nodiscard]] bool cut_happened() const { return cut_happened_; }

  [[nodiscard]] const std::vector<uint8_t>& contents() const { return mem_; }
  [[nodiscard]] uint64_t erase_count(uint32_t page) const { return erases_.at(page); }

 private:
  // Returns the phase if this step is the armed cut.
  std::optional<CutPhase> next_step();

  uint32_t page_size_;
  uint32_t page_count_;
  ProgramRule rule_;
  std::mt19937_64 rng_;
  std::vector<uint8_t> mem_;
  std::vector<uint64_t> erases_;
  uint64_t steps_ = 0;
  struct Cut {
    uint64_t step;
    CutPhase phase;
  };
  std::optional<Cut> cut_;
  bool powered_ = true;
  bool cut_happened_ = false;
};

}  // namespace idr::sim
