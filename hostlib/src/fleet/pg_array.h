#pragma once
// A PostgreSQL array parameter in the binary format (array_recv), for the fleet layer's
// one-call-per-batch statements (DESIGN 13): the ingester's idr_store_batch and the
// detections' idr_detect_batch. Binary, so any byte of hostile input (a name, a subject)
// travels as data, never as array syntax to quote. Internal to hostlib.
#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

namespace idr::fleet {

inline constexpr Oid kPgByteaOid = 17, kPgInt8Oid = 20, kPgTextOid = 25;

// One dimension, elements of one type, each as its length (-1: NULL) and its binary value.
// The header is written in place at finish(), in room kept at the front, so the (large)
// body is never copied again.
class PgArray {
 public:
  // `reserve`: bytes of element data expected (a hint against regrowing).
  explicit PgArray(Oid element, size_t reserve = 0) : element_(element) {
    buf_.reserve(kHeader + reserve);
    buf_.assign(kHeader, '\0');
  }
  void add(const void* data, size_t size) {
    put32(static_cast<uint32_t>(size));
    buf_.append(static_cast<const char*>(data), size);
    ++count_;
  }
  void add(const std::string& text) { add(text.data(), text.size()); }
  void add(const std::vector<uint8_t>& bytes) { add(bytes.data(), bytes.size()); }
  void add_int8(int64_t v) {
    char be[8];
    for (int i = 0; i < 8; ++i) be[i] = static_cast<char>(static_cast<uint64_t>(v) >> (56 - 8 * i));
    add(be, sizeof be);
  }
  void add_null() {
    put32(0xFFFFFFFFu);
    has_null_ = true;
    ++count_;
  }
  // Writes the header; data()/size() are the parameter's bytes (valid until the next add).
  void finish() {
    // An empty array has no dimension: its header is 12 bytes, else 20.
    start_ = count_ ? 0 : 8;
    size_t at = start_;
    const auto put = [&](uint32_t v) {
      for (int i = 0; i < 4; ++i) buf_[at++] = static_cast<char>(v >> (24 - 8 * i));
    };
    put(count_ ? 1 : 0);  // dimensions
    put(has_null_ ? 1 : 0);
    put(element_);
    if (count_) {
      put(count_);
      put(1);  // lower bound
    }
  }
  [[nodiscard]] const char* data() const { return buf_.data() + start_; }
  [[nodiscard]] int size() const { return static_cast<int>(buf_.size() - start_); }

 private:
  static constexpr size_t kHeader = 20;
  void put32(uint32_t v) {
    char be[4];
    for (int i = 0; i < 4; ++i) be[i] = static_cast<char>(v >> (24 - 8 * i));
    buf_.append(be, sizeof be);
  }
  Oid element_;
  uint32_t count_ = 0;
  bool has_null_ = false;
  size_t start_ = 0;
  std::string buf_;
};

// The parameters of one PQexecParams/PQexecPrepared call in order: arrays finished and
// passed binary, texts passed as text (each pointer must outlive the call).
class PgParams {
 public:
  void array(PgArray& a) {
    a.finish();
    add(a.data(), a.size(), 1);
  }
  void text(const char* v) { add(v, 0, 0); }
  [[nodiscard]] int count() const { return static_cast<int>(values_.size()); }
  [[nodiscard]] const char* const* values() const { return values_.data(); }
  [[nodiscard]] const int* lengths() const { return lengths_.data(); }
  [[nodiscard]] const int* formats() const { return formats_.data(); }

 private:
  void add(const char* v, int length, int format) {
    values_.push_back(v);
    lengths_.push_back(length);
    formats_.push_back(format);
  }
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

}  // namespace idr::fleet
