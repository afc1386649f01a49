#pragma once
// libcbor helpers for the tests that take a record file apart with a decoder independent of
// the library's (format_test.cpp, e2e_test.cpp): an owning item, byte and text strings
// (REQUIREd to be what they are read as) and a text-keyed map lookup.
#include <cbor.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace idr::test {

// A decoded item, released (cbor_decref) when it goes out of scope.
struct Item {
  cbor_item_t* p = nullptr;
  explicit Item(cbor_item_t* i) : p(i) {}
  ~Item() {
    if (p) cbor_decref(&p);
  }
  Item(const Item&) = delete;
  Item& operator=(const Item&) = delete;
};

// A definite byte string's bytes.
inline std::vector<uint8_t> bstr(const cbor_item_t* i) {
  REQUIRE(cbor_isa_bytestring(i));
  REQUIRE(cbor_bytestring_is_definite(i));
  return std::vector<uint8_t>(cbor_bytestring_handle(i),
                              cbor_bytestring_handle(i) + cbor_bytestring_length(i));
}

// A text string's UTF-8.
inline std::string tstr(const cbor_item_t* i) {
  REQUIRE(cbor_isa_string(i));
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(i)), cbor_string_length(i));
}

// The value under the text key `key` in `map`, or nullptr.
inline const cbor_item_t* find_text_key(const cbor_item_t* map, const std::string& key) {
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    const cbor_item_t* k = cbor_map_handle(map)[i].key;
    if (cbor_isa_string(k) && tstr(k) == key) return cbor_map_handle(map)[i].value;
  }
  return nullptr;
}

}  // namespace idr::test
