#pragma once
// The reader's monotonic signature counter (DESIGN 5) as a power-fail-safe journal in two
// flash pages. It never repeats and never goes back, whatever write a power cut hits.
//
// Journal: fixed 16-byte records appended to the active page:
//   "ICTR" (4) | counter u64 BE (8) | CRC-32 of the first 12 bytes, BE (4)
// A slot that is all 0xFF is free; anything else that fails the magic or CRC is a torn
// record and is skipped (its slot stays used). When the active page is full, the other page
// is erased and the new record goes into its first slot: the full page keeps the old
// maximum until the new page holds a larger one, so one of the two always has it.
//
// At load() the highest valid record of both pages is the last counter reserved; the next
// write goes after the last used slot of the page that holds it.
//
// The rule that makes it safe: reserve_next() returns a value only after a record holding
// it has been programmed and read back. A caller emits (signs) only values it got from
// reserve_next(), so after any power cut load() finds a record >= every emitted value and
// the next reserve is strictly greater.
#include <cstddef>
#include <cstdint>

#include "idr/hal/hal.h"
#include "idr/status.h"

namespace idr::crypto {

class CounterStore {
 public:
  static constexpr uint32_t kRecordSize = 16;
  static constexpr uint8_t kMagic[4] = {'I', 'C', 'T', 'R'};

  // page_a != page_b; the flash page size must be a multiple of kRecordSize.
  CounterStore(hal::Flash& flash, uint32_t page_a, uint32_t page_b)
      : flash_(flash), pages_{page_a, page_b} {}

  // Scans both pages. Ok also when the journal is empty or holds only garbage (counter 0).
  [[nodiscard]] Status load();
  // Durably reserves last() + 1 and returns it in `value`. Loads first if needed. Any flash
  // failure returns its Status and forgets the state (the next call loads again).
  [[nodiscard]] Status reserve_next(uint64_t& value);

  [[nodiscard]] bool loaded() const { return loaded_; }
  // The highest counter reserved so far (0: none). Every counter the reader ever emitted is
  // <= this value.
  [[nodiscard]] uint64_t last() const { return last_; }
  // Page erases done by this object (wear statistics for tests).
  [[nodiscard]] uint32_t erases() const { return erases_; }

  // Encodes/decodes one record (exposed for tests that plant records).
  static void encode(uint64_t value, uint8_t (&record)[kRecordSize]);
  [[nodiscard]] static bool decode(const uint8_t* record, uint64_t& value);

 private:
  [[nodiscard]] Status scan_page(size_t which, bool& any_valid, uint64_t& max_value,
                                 uint32_t& used_slots);
  [[nodiscard]] Status switch_page();
  [[nodiscard]] uint32_t page_address(size_t which) const {
    return pages_[which] * flash_.page_size();
  }

  hal::Flash& flash_;
  uint32_t pages_[2];
  size_t active_ = 0;       // index into pages_
  uint32_t next_slot_ = 0;  // first free slot of the active page
  uint32_t slots_ = 0;      // records per page
  uint64_t last_ = 0;
  uint32_t erases_ = 0;
  bool loaded_ = false;
};

}  // namespace idr::crypto
