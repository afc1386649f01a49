#include "idr/sim/flash_model.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace idr::sim {

FlashModel::FlashModel(uint32_t page_size, uint32_t page_count, uint64_t seed, ProgramRule rule)
    : page_size_(page_size), page_count_(page_count), rule_(rule), rng_(seed ^ 0x466C617368ull) {
  if (page_size == 0 || page_count == 0)
    throw std::invalid_argument("FlashModel: page size and page count must be positive");
  if (static_cast<uint64_t>(page_size) * page_count > (1ull << 30))
    throw std::invalid_argument("FlashModel: more than 1 GiB of flash");
  mem_.assign(static_cast<size_t>(page_size) * page_count, 0xFF);
  erases_.assign(page_count, 0);
}

void FlashModel::arm_power_cut(uint64_t step, CutPhase phase) {
  if (step == 0) throw std::invalid_argument("FlashModel: write steps are numbered from 1");
  cut_ = Cut{step, phase};
}

std::optional<CutPhase> FlashModel::next_step() {
  ++steps_;
  if (!cut_ || cut_->step != steps_) return std::nullopt;
  const CutPhase p = cut_->phase;
  cut_.reset();
  powered_ = false;
  cut_happened_ = true;
  return p;
}

Status FlashModel::read(uint32_t addr, uint8_t* out, size_t len) {
  if (!powered_) return Status::Io;
  if (out == nullptr || addr > mem_.size() || len > mem_.size() - addr)
    return Status::InvalidArgument;
  if (len > 0) std::memcpy(out, mem_.data() + addr, len);
  return Status::Ok;
}

Status FlashModel::program(uint32_t addr, const uint8_t* data, size_t len) {
  if (!powered_) return Status::Io;
  if (data == nullptr || len == 0 || addr > mem_.size() || len > mem_.size() - addr)
    return Status::InvalidArgument;
  if (rule_ == ProgramRule::Refuse) {
    for (size_t i = 0; i < len; ++i) {
      if ((data[i] & ~mem_[addr + i]) != 0) return Status::FlashError;
    }
  }
  const std::optional<CutPhase> cut = next_step();
  if (cut == CutPhase::Before) return Status::Io;
  size_t good = len;
  if (cut == CutPhase::During) good = static_cast<size_t>(rng_() % len);
  for (size_t i = 0; i < good; ++i) mem_[addr + i] = static_cast<uint8_t>(mem_[addr + i] & data[i]);
  for (size_t i = good; i < len; ++i)  // cells caught mid-programming
    mem_[addr + i] = static_cast<uint8_t>(mem_[addr + i] & static_cast<uint8_t>(rng_()));
  return cut ? Status::Io : Status::Ok;
}

Status FlashModel::erase_page(uint32_t page) {
  if (!powered_) return Status::Io;
  if (page >= page_count_) return Status::InvalidArgument;
  const std::optional<CutPhase> cut = next_step();
  if (cut == CutPhase::Before) return Status::Io;
  uint8_t* p = mem_.data() + static_cast<size_t>(page) * page_size_;
  if (cut == CutPhase::During) {
    for (uint32_t i = 0; i < page_size_; ++i)
      p[i] = static_cast<uint8_t>(p[i] | static_cast<uint8_t>(rng_()));
  } else {
    std::fill(p, p + page_size_, 0xFF);
  }
  ++erases_[page];
  return cut ? Status::Io : Status::Ok;
}

}  // namespace idr::sim
