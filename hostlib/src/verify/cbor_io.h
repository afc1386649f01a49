#pragma once
// libcbor ownership (CborItem) and a growing deterministic CBOR writer (RFC 8949 4.2.1:
// definite lengths, shortest heads) for what the host writes: record files and the
// certificate chain of ProvisionCerts. Decoding is libcbor's; encoding uses the system's one
// head encoder (protocol/, idr/proto/cbor.h, the firmware's too) because libcbor's builders
// do not promise the shortest head for every item.
#include <cbor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "idr/proto/cbor.h"

namespace idr::detail {

class CborItem {
 public:
  CborItem() = default;
  explicit CborItem(cbor_item_t* item) : item_(item) {}
  CborItem(const CborItem&) = delete;
  CborItem& operator=(const CborItem&) = delete;
  CborItem(CborItem&& o) noexcept : item_(o.item_) { o.item_ = nullptr; }
  CborItem& operator=(CborItem&& o) noexcept {
    if (this != &o) {
      reset();
      item_ = o.item_;
      o.item_ = nullptr;
    }
    return *this;
  }
  ~CborItem() { reset(); }
  void reset() {
    if (item_ != nullptr) cbor_decref(&item_);
    item_ = nullptr;
  }
  [[nodiscard]] cbor_item_t* get() const { return item_; }
  explicit operator bool() const { return item_ != nullptr; }

 private:
  cbor_item_t* item_ = nullptr;
};

// Decodes exactly one item filling all of [data, data + size). Empty item + `why` when
// the bytes are truncated, malformed or followed by more bytes. `used` (optional) receives
// the bytes the first item took even when trailing bytes follow.
CborItem load_exact(const uint8_t* data, size_t size, std::string& why);
// Decodes the first item; `used` = its size. Empty item + `why` when it does not decode.
CborItem load_prefix(const uint8_t* data, size_t size, size_t& used, std::string& why);

class CborWriter {
 public:
  void array(uint64_t n) { head(cbor::kArray, n); }
  void map(uint64_t n) { head(cbor::kMap, n); }
  void uint(uint64_t v) { head(cbor::kUint, v); }
  void bytes(const uint8_t* p, size_t n) {
    head(cbor::kBytes, n);
    out_.insert(out_.end(), p, p + n);
  }
  void bytes(const std::vector<uint8_t>& b) { bytes(b.data(), b.size()); }
  void text(const std::string& s) {
    head(cbor::kText, s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void raw(const std::vector<uint8_t>& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  [[nodiscard]] std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void head(uint8_t major, uint64_t v) {
    uint8_t h[cbor::kMaxHeadSize];
    out_.insert(out_.end(), h, h + cbor::encode_head(major, v, h));
  }
  std::vector<uint8_t> out_;
};

}  // namespace idr::detail
