#include "idr/crypto/counter_store.h"

#include <cstring>

#include "idr/crypto/bytes.h"

namespace idr::crypto {
namespace {
// Records read per flash call while scanning (fewer sim-wire round trips than one each).
constexpr uint32_t kScanRecords = 16;
}  // namespace

void CounterStore::encode(uint64_t value, uint8_t (&record)[kRecordSize]) {
  std::memcpy(record, kMagic, sizeof(kMagic));
  put_be64(record + 4, value);
  put_be32(record + 12, crc32(record, 12));
}

bool CounterStore::decode(const uint8_t* record, uint64_t& value) {
  if (std::memcmp(record, kMagic, sizeof(kMagic)) != 0) return false;
  if (get_be32(record + 12) != crc32(record, 12)) return false;
  value = get_be64(record + 4);
  return true;
}

Status CounterStore::scan_page(size_t which, bool& any_valid, uint64_t& max_value,
                               uint32_t& used_slots) {
  any_valid = false;
  max_value = 0;
  used_slots = 0;
  uint8_t chunk[kScanRecords * kRecordSize];
  for (uint32_t slot = 0; slot < slots_; slot += kScanRecords) {
    const uint32_t n = slots_ - slot < kScanRecords ? slots_ - slot : kScanRecords;
    const Status s = flash_.read(page_address(which) + slot * kRecordSize, chunk, n * kRecordSize);
    if (s != Status::Ok) return s;
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t* rec = chunk + i * kRecordSize;
      if (all_erased(rec, kRecordSize)) continue;
      used_slots = slot + i + 1;  // a torn record still uses its slot
      uint64_t v = 0;
      if (decode(rec, v) && (!any_valid || v > max_value)) {
        max_value = v;
        any_valid = true;
      }
    }
  }
  return Status::Ok;
}

Status CounterStore::load() {
  loaded_ = false;
  const uint32_t page_size = flash_.page_size();
  if (pages_[0] == pages_[1] || page_size < kRecordSize || page_size % kRecordSize != 0 ||
      pages_[0] >= flash_.page_count() || pages_[1] >= flash_.page_count())
    return Status::InvalidArgument;
  slots_ = page_size / kRecordSize;
  bool valid[2] = {};
  uint64_t max[2] = {};
  uint32_t used[2] = {};
  for (size_t i = 0; i < 2; ++i) {
    const Status s = scan_page(i, valid[i], max[i], used[i]);
    if (s != Status::Ok) return s;
  }
  if (valid[0] && (!valid[1] || max[0] >= max[1])) {
    active_ = 0;
  } else if (valid[1]) {
    active_ = 1;
  } else {
    active_ = 0;  // empty journal (or garbage only): start on page A after whatever is there
  }
  last_ = valid[active_] ? max[active_] : 0;
  next_slot_ = used[active_];
  loaded_ = true;
  return Status::Ok;
}

Status CounterStore::switch_page() {
  const size_t other = 1 - active_;
  const Status s = flash_.erase_page(pages_[other]);
  if (s != Status::Ok) return s;
  ++erases_;
  active_ = other;
  next_slot_ = 0;
  return Status::Ok;
}

Status CounterStore::reserve_next(uint64_t& value) {
  if (!loaded_) {
    const Status s = load();
    if (s != Status::Ok) return s;
  }
  if (last_ == UINT64_MAX) return Status::Unsupported;  // 2^64 signatures: never in practice
  const uint64_t next = last_ + 1;
  uint8_t record[kRecordSize];
  encode(next, record);
  // Each attempt consumes one slot; a slot that does not read back right (a worn cell) is
  // skipped. Bounded by two pages' worth of slots.
  for (uint32_t attempt = 0; attempt < 2 * slots_ + 2; ++attempt) {
    if (next_slot_ >= slots_) {
      const Status erased = switch_page();
      if (erased != Status::Ok) {
        loaded_ = false;
        return erased;
      }
    }
    const uint32_t addr = page_address(active_) + next_slot_ * kRecordSize;
    Status s = flash_.program(addr, record, sizeof(record));
    if (s != Status::Ok && s != Status::FlashError) {
      loaded_ = false;  // power lost or bus failure: trust only a fresh scan
      return s;
    }
    ++next_slot_;
    uint8_t back[kRecordSize];
    uint64_t got = 0;
    if (s == Status::Ok) s = flash_.read(addr, back, sizeof(back));
    if (s == Status::Ok && decode(back, got) && got == next) {
      last_ = next;
      value = next;
      return Status::Ok;
    }
    if (s != Status::Ok && s != Status::FlashError) {
      loaded_ = false;
      return s;
    }
  }
  loaded_ = false;
  return Status::FlashError;
}

}  // namespace idr::crypto
