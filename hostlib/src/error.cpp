#include "idr/error.h"

namespace idr {

const char* message(Error e) noexcept {
  switch (e) {
    case Error::Ok: return "ok";
    case Error::InvalidArgument: return "invalid argument";
    case Error::Unsupported: return "not supported by this build or reader";
    case Error::TransportOpen: return "could not reach the reader";
    case Error::TransportClosed: return "the link to the reader closed";
    case Error::Timeout: return "the reader did not answer in time";
    case Error::MalformedReply: return "the reader's reply is malformed";
    case Error::Cancelled: return "cancelled";
    case Error::NoCard: return "no card in the field";
    case Error::CardRemoved: return "the card was removed during the read";
    case Error::Io: return "input/output error";
    case Error::Sw3ChecksumError: return "reader: checksum error in the command";
    case Error::Sw3LengthError: return "reader: length error in the command";
    case Error::Sw3CommandError: return "reader: unknown command";
    case Error::Sw3Unauthorized: return "reader: unauthorized";
    case Error::Sw3Unrecognized: return "reader: unrecognized error";
    case Error::Sw3IdentityFault: return "reader: its stored identity is damaged (fault)";
    case Error::Sw3CardRejectedSam: return "reader: the card failed to authenticate the SAM";
    case Error::Sw3SamRejectedCard: return "reader: the SAM failed to authenticate the card";
    case Error::Sw3InformationCheck: return "reader: card information check failed";
    case Error::Sw3FingerprintCheck: return "reader: fingerprint check failed";
    case Error::Sw3InformationLength: return "reader: card information length error";
    case Error::Sw3UnknownCardType: return "reader: unknown card type";
    case Error::Sw3ReadFailed: return "reader: reading the card failed";
    case Error::Sw3RandomNumberFailed: return "reader: random number failed";
    case Error::Sw3SelfTestFailed: return "reader: self-test failed";
    case Error::Sw3SamNotAuthorized: return "reader: SAM not authorized";
    case Error::Sw3FindCardFailed: return "reader: no card found";
    case Error::Sw3SelectCardFailed: return "reader: selecting the card failed";
    case Error::Sw3NoSuchContent: return "reader: the card has no such content";
    case Error::Sw3Unknown: return "reader: unknown status";
  }
  return "unknown error";
}

Error error_from_sw3(uint8_t sw3) noexcept {
  switch (sw3) {
    case 0x90:
    case 0x9F: return Error::Ok;
    case 0x10: return Error::Sw3ChecksumError;
    case 0x11: return Error::Sw3LengthError;
    case 0x21: return Error::Sw3CommandError;
    case 0x23: return Error::Sw3Unauthorized;
    case 0x24: return Error::Sw3Unrecognized;
    case 0x25: return Error::Sw3IdentityFault;
    case 0x31: return Error::Sw3CardRejectedSam;
    case 0x32: return Error::Sw3SamRejectedCard;
    case 0x33: return Error::Sw3InformationCheck;
    case 0x37: return Error::Sw3FingerprintCheck;
    case 0x3F: return Error::Sw3InformationLength;
    case 0x40: return Error::Sw3UnknownCardType;
    case 0x41: return Error::Sw3ReadFailed;
    case 0x47: return Error::Sw3RandomNumberFailed;
    case 0x60: return Error::Sw3SelfTestFailed;
    case 0x66: return Error::Sw3SamNotAuthorized;
    case 0x80: return Error::Sw3FindCardFailed;
    case 0x81: return Error::Sw3SelectCardFailed;
    case 0x91: return Error::Sw3NoSuchContent;
    default: return Error::Sw3Unknown;
  }
}

}  // namespace idr
