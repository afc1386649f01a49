#pragma once
// Errors of the host library: one enum, a message for each. The numeric values are the C
// API's (idr.h, IDR_E_*): keep them in step.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace idr {

enum class Error : int {
  Ok = 0,
  // Host side
  InvalidArgument = -1,   // a bad URI, option or field selection
  Unsupported = -2,       // e.g. a URI scheme this build does not have
  TransportOpen = -3,     // the reader could not be reached
  TransportClosed = -4,   // the link broke or the reader went away
  Timeout = -5,           // no (complete) reply in time
  MalformedReply = -6,    // bad preamble, checksum, length or layout in the reply
  Cancelled = -7,         // cancel() from another thread
  NoCard = -8,            // no card in the field (find answered 80)
  CardRemoved = -9,       // the card left during the read
  Io = -10,               // an operating system error
  // Reader status (SW3 of DESIGN 8); value = -(0x100 + SW3)
  Sw3ChecksumError = -0x110,
  Sw3LengthError = -0x111,
  Sw3CommandError = -0x121,
  Sw3Unauthorized = -0x123,
  Sw3Unrecognized = -0x124,
  Sw3IdentityFault = -0x125,  // extension commands: the reader's identity is damaged
  Sw3CardRejectedSam = -0x131,       // card failed to authenticate the SAM
  Sw3SamRejectedCard = -0x132,       // SAM failed to authenticate the card
  Sw3InformationCheck = -0x133,      // card data failed the integrity check
  Sw3FingerprintCheck = -0x137,
  Sw3InformationLength = -0x13F,
  Sw3UnknownCardType = -0x140,
  Sw3ReadFailed = -0x141,
  Sw3RandomNumberFailed = -0x147,
  Sw3SelfTestFailed = -0x160,
  Sw3SamNotAuthorized = -0x166,
  Sw3FindCardFailed = -0x180,
  Sw3SelectCardFailed = -0x181,
  Sw3NoSuchContent = -0x191,
  Sw3Unknown = -0x1FF,               // an SW3 not in DESIGN 8
};

// A short English sentence for each error; never null.
[[nodiscard]] const char* message(Error e) noexcept;
// The error for a reader SW3 (0x90 and 0x9F are not errors: Error::Ok).
[[nodiscard]] Error error_from_sw3(uint8_t sw3) noexcept;

// expected-style result: a value or an Error (never Ok).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(e) {}                 // NOLINT
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] Error error() const { return ok() ? Error::Ok : std::get<Error>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : e_(e) {}  // NOLINT
  [[nodiscard]] bool ok() const { return e_ == Error::Ok; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] Error error() const { return e_; }

 private:
  Error e_ = Error::Ok;
};

}  // namespace idr
