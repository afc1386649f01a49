#pragma once
// libcbor ownership (CborItem) and a small deterministic CBOR writer (RFC 8949 4.2.1:
// definite lengths, shortest heads) for what the host writes: record files and the
// certificate chain of ProvisionCerts. Decoding is libcbor's; encoding is ours because
// libcbor's builders do not promise the shortest head for every item.
#include <cbor.h>

#include <cstdint>
#include <string>
#include <vector>

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
  void array(uint64_t n) { head(4, n); }
  void map(uint64_t n) { head(5, n); }
  void uint(uint64_t v) { head(0, v); }
  void bytes(const uint8_t* p, size_t n) {
    head(2, n);
    out_.insert(out_.end(), p, p + n);
  }
  void bytes(const std::vector<uint8_t>& b) { bytes(b.data(), b.size()); }
  void text(const std::string& s) {
    head(3, s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void raw(const std::vector<uint8_t>& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  [[nodiscard]] std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void head(uint8_t major, uint64_t v) {
    const auto mt = static_cast<uint8_t>(major << 5);
    if (v < 24) {
      out_.push_back(static_cast<uint8_t>(mt | v));
    } else if (v <= 0xFF) {
      out_.push_back(static_cast<uint8_t>(mt | 24));
      out_.push_back(static_cast<uint8_t>(v));
    } else if (v <= 0xFFFF) {
      out_.push_back(static_cast<uint8_t>(mt | 25));
      be(v, 2);
    } else if (v <= 0xFFFFFFFFu) {
      out_.push_back(static_cast<uint8_t>(mt | 26));
      be(v, 4);
    } else {
      out_.push_back(static_cast<uint8_t>(mt | 27));
      be(v, 8);
    }
  }
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

}  // namespace idr::detail
