#pragma once
// Status codes shared by drivers and firmware: no exceptions, every fallible call returns one.
#include <cstdint>

namespace idr {

enum class Status : uint8_t {
  Ok = 0,
  Timeout,          // nothing arrived within the wait (frame waiting time, UART, IRQ)
  Integrity,        // CRC or parity error in a received frame
  Collision,        // more than one card answered in the same slot
  Protocol,         // a frame arrived but its content breaks the protocol
  Overflow,         // FIFO or buffer overflow: the data did not fit
  NoCard,           // no card answered
  CardRemoved,      // the card left the field during a transaction
  BufferTooSmall,   // the caller's buffer cannot hold the result
  InvalidArgument,  // the caller passed something out of range
  Unsupported,      // the peer or the hardware cannot do this
  Io,               // the bus or link itself failed
  CardAuthFailed,   // the card failed to authenticate the SAM (legacy SW3 0x31)
  SamAuthFailed,    // the SAM failed to authenticate the card (legacy SW3 0x32)
  DataCheckFailed,  // issuer MAC or session MAC over card data wrong (legacy SW3 0x33)
  SamError,         // the SAM answered with an error or not at all
  NoSuchContent,    // the card has no such file (e.g. no appended address; legacy SW3 0x91)
  FlashError,       // program/erase refused or verification failed
  Unauthorized,     // a state change without (or with a wrong) authorisation
  StorageFault,     // a stored record is damaged: refuse rather than guess (DESIGN 11)
  HardwareFault,    // the hardware (or the simulator standing in for it: a model error)
                    // reported a fault the firmware cannot recover from; reader fault
};

[[nodiscard]] constexpr const char* to_string(Status s) {
  switch (s) {
    case Status::Ok:
      return "ok";
    case Status::Timeout:
      return "timeout";
    case Status::Integrity:
      return "integrity error";
    case Status::Collision:
      return "collision";
    case Status::Protocol:
      return "protocol error";
    case Status::Overflow:
      return "overflow";
    case Status::NoCard:
      return "no card";
    case Status::CardRemoved:
      return "card removed";
    case Status::BufferTooSmall:
      return "buffer too small";
    case Status::InvalidArgument:
      return "invalid argument";
    case Status::Unsupported:
      return "unsupported";
    case Status::Io:
      return "i/o error";
    case Status::CardAuthFailed:
      return "card failed to authenticate the SAM";
    case Status::SamAuthFailed:
      return "SAM failed to authenticate the card";
    case Status::DataCheckFailed:
      return "card data check failed";
    case Status::SamError:
      return "SAM error";
    case Status::NoSuchContent:
      return "no such content";
    case Status::FlashError:
      return "flash error";
    case Status::Unauthorized:
      return "unauthorized";
    case Status::StorageFault:
      return "storage fault";
    case Status::HardwareFault:
      return "hardware fault";
  }
  return "unknown status";
}

}  // namespace idr
