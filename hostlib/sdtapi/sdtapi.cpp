// libsdtapi: the SDT_* functions (sdtapi.h) over idr::LegacyPort. Each call is one legacy
// command (DESIGN 8); reply bytes go to the caller's buffers unchanged. Only the SDK's port
// numbers exist (1-16 serial, 1001-1016 USB); open ports live in a table keyed by port
// number; a mutex serialises calls like the SDK's single-threaded use expects. No C++
// exception crosses the C boundary.
#include "sdtapi.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "idr/legacy_port.h"
#include "idr/proto/hostlink.h"
#include "sdt_config.h"

namespace {

using idr::Error;
using idr::LegacyPort;
using idr::LegacyReply;

// SDK host-side result codes (sdtapi.h).
constexpr int kOk = 0x90;
constexpr int kNoContent = 0x91;
constexpr int kPortError = 0x01;
constexpr int kTimeout = 0x02;
constexpr int kTransferError = 0x03;
constexpr int kNotSerial = 0x05;
constexpr int kFileError = 0x09;
constexpr int kBadArgument = 0x21;
constexpr int kSamIdTextLength = 36;  // SDT_GetSAMIDToStr's form without the NUL

// Legacy command bytes (DESIGN 8 table).
constexpr uint8_t kCmdSam = 0x10, kCmdStatus = 0x11, kCmdSamId = 0x12, kParaFF = 0xFF;
constexpr uint8_t kCmdCard = 0x20, kParaFind = 0x01, kParaSelect = 0x02;
constexpr uint8_t kCmdRead = 0x30, kParaBase = 0x01, kParaAddress = 0x03, kParaBaseFp = 0x10;
constexpr uint8_t kCmdSetBaud = 0x60, kCmdMaxRf = 0x61;

// Caller buffer sizes the SDK documents (sdtapi.h).
constexpr size_t kTextMax = 256, kPhotoMax = 1024, kFpMax = 1024;
constexpr size_t kAddressEntry = 70, kAddressMax = 4 * kAddressEntry;

std::mutex g_mutex;
std::map<int, std::unique_ptr<LegacyPort>> g_ports;  // guarded by g_mutex
std::map<int, unsigned> g_baud;  // serial ports moved by SDT_SetCOMBaud (guarded by g_mutex)

// "serial:PATH[?baud=N]" -> "serial:PATH?baud=baud".
std::string with_baud(const std::string& uri, unsigned baud) {
  return uri.substr(0, uri.find('?')) + "?baud=" + std::to_string(baud);
}

bool is_serial(const std::string& uri) {
  return uri.compare(0, 7, "serial:") == 0;
}

int code_for(Error e) {
  if (e == Error::Timeout) return kTimeout;
  if (e == Error::TransportOpen || e == Error::InvalidArgument || e == Error::Unsupported)
    return kPortError;
  return kTransferError;
}

// The URI a port opens: the configured reader, at the baud SDT_SetCOMBaud last set.
std::string uri_locked(int port) {
  const std::string uri = idr::sdt::reader_uri_for_port(port);  // empty: not an SDK port
  const auto moved = g_baud.find(port);
  return moved != g_baud.end() && is_serial(uri) ? with_baud(uri, moved->second) : uri;
}

int open_locked(int port) {
  if (!idr::sdt::is_sdk_port(port)) return kPortError;
  if (g_ports.count(port) != 0) return kOk;
  const std::string uri = uri_locked(port);
  if (uri.empty()) return kPortError;
  auto p = LegacyPort::open(uri);
  if (!p) return kPortError;
  g_ports[port] = std::make_unique<LegacyPort>(std::move(p).value());
  return kOk;
}

// Runs one command on `port` (opening and closing it around the call when if_open), and
// hands the reply to `take`, which returns the SDT result. The reply's SW3 is the result
// when it is not one of `ok_sw3`.
template <typename Take>
int run(int port, int if_open, uint8_t cmd, uint8_t para, uint8_t ok_sw3, Take take,
        const std::vector<uint8_t>& data = {}) noexcept {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!idr::sdt::is_sdk_port(port)) return kPortError;
    if (if_open != 0) {
      if (const int rc = open_locked(port); rc != kOk) return rc;
    }
    const auto it = g_ports.find(port);
    if (it == g_ports.end()) return kPortError;  // not opened
    auto reply = it->second->command(cmd, para, data);
    int rc = reply ? (reply->sw3 == ok_sw3 ? take(*reply) : reply->sw3) : code_for(reply.error());
    // A broken link is not reused: the next call (or SDT_OpenPort) reopens it.
    if (if_open != 0 || (!reply && reply.error() == Error::TransportClosed)) g_ports.erase(port);
    return rc;
  } catch (...) {
    return kTransferError;  // out of memory; nothing else throws here
  }
}

// Copies `n` reply bytes at `at` into `out` when the reply holds them.
bool copy_out(const LegacyReply& r, size_t at, size_t n, unsigned char* out) {
  if (r.data.size() < at + n) return false;
  if (n != 0) std::memcpy(out, r.data.data() + at, n);
  return true;
}

unsigned be16(const LegacyReply& r, size_t at) {
  return (unsigned{r.data[at]} << 8) | r.data[at + 1];
}

// 30 01 / 30 10: lengths (u16 BE each) then the parts in order (DESIGN 8).
int take_base(const LegacyReply& r, unsigned char* text, unsigned* text_len, unsigned char* photo,
              unsigned* photo_len, unsigned char* fp, unsigned* fp_len) {
  const size_t parts = fp != nullptr ? 3 : 2;
  if (r.data.size() < 2 * parts) return kTransferError;
  const unsigned t = be16(r, 0), p = be16(r, 2), f = fp != nullptr ? be16(r, 4) : 0;
  // Caller buffers are the SDK's fixed sizes: never write past them.
  if (t > 256 || p > 1024 || f > 1024 || r.data.size() != 2 * parts + t + p + f)
    return kTransferError;
  size_t at = 2 * parts;
  if (!copy_out(r, at, t, text)) return kTransferError;
  at += t;
  if (!copy_out(r, at, p, photo)) return kTransferError;
  at += p;
  if (fp != nullptr && !copy_out(r, at, f, fp)) return kTransferError;
  *text_len = t;
  *photo_len = p;
  if (fp_len != nullptr) *fp_len = f;
  return kOk;
}

// 30 01 / 30 10 into local buffers, for the functions that hand on only part of it.
struct BaseRead {
  unsigned char text[kTextMax], photo[kPhotoMax], fp[kFpMax];
  unsigned text_len = 0, photo_len = 0, fp_len = 0;
};

int read_base(int port, int if_open, bool with_fp, BaseRead& b) {
  return run(port, if_open, kCmdRead, with_fp ? kParaBaseFp : kParaBase, 0x90,
             [&](const LegacyReply& r) {
               return take_base(r, b.text, &b.text_len, b.photo, &b.photo_len,
                                with_fp ? b.fp : nullptr, with_fp ? &b.fp_len : nullptr);
             });
}

// Writes `n` bytes to `path` (created or truncated); false when it cannot.
bool write_file(const char* path, const unsigned char* data, unsigned n) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  out.close();
  return !out.fail();
}

// 30 03: every appended address entry (70 bytes UCS-2LE each, at most 4: DESIGN 6).
int read_addresses(int port, int if_open, unsigned char* out, unsigned* out_len) {
  return run(port, if_open, kCmdRead, kParaAddress, 0x90, [&](const LegacyReply& r) {
    if (r.data.empty() || r.data.size() > kAddressMax || r.data.size() % kAddressEntry != 0)
      return kTransferError;
    std::memcpy(out, r.data.data(), r.data.size());
    *out_len = static_cast<unsigned>(r.data.size());
    return kOk;
  });
}

// The legacy command set (DESIGN 8) has no command for the card's management number or its
// IIN/SN/DN, and the reader's find/select answers carry zeros in their place: the reader
// is asked whether it is there (11 FF), and a reader that answers has no such content.
int no_such_content(int iPort, int iIfOpen) {
  const int rc =
      run(iPort, iIfOpen, kCmdStatus, kParaFF, 0x90, [](const LegacyReply&) { return kOk; });
  return rc == kOk ? kNoContent : rc;
}

// What the SDK's result codes mean (sdtapi.h; reader SW3 values as in DESIGN 8).
const char* error_text(int code) {
  switch (code) {
    case 0x90:
      return "success";
    case 0x91:
      return "no such content on the card";
    case 0x9F:
      return "card found";
    case 0x01:
      return "port not open, cannot be opened, or not an SDK port";
    case 0x02:
      return "no reply in time";
    case 0x03:
      return "data transfer error";
    case 0x05:
      return "not a serial port";
    case 0x09:
      return "file cannot be opened";
    case 0x10:
      return "checksum error";
    case 0x11:
      return "length error";
    case 0x21:
      return "command error";
    case 0x23:
      return "unauthorized";
    case 0x24:
      return "unrecognized error";
    case 0x31:
      return "card failed to authenticate the SAM";
    case 0x32:
      return "SAM failed to authenticate the card";
    case 0x33:
      return "information check error";
    case 0x37:
      return "fingerprint check error";
    case 0x3F:
      return "information length error";
    case 0x40:
      return "unknown card type";
    case 0x41:
      return "read failed";
    case 0x47:
      return "random number failed";
    case 0x60:
      return "self-test failed";
    case 0x66:
      return "SAM not authorized";
    case 0x80:
      return "find card failed";
    case 0x81:
      return "select card failed";
    default:
      return nullptr;
  }
}

}  // namespace

extern "C" {

int SDT_OpenPort(int iPort) {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    return open_locked(iPort);
  } catch (...) {
    return kTransferError;
  }
}

int SDT_ClosePort(int iPort) {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    return g_ports.erase(iPort) != 0 ? kOk : kPortError;
  } catch (...) {
    return kTransferError;
  }
}

int SDT_ResetSAM(int iPort, int iIfOpen) {
  return run(iPort, iIfOpen, kCmdSam, kParaFF, 0x90, [](const LegacyReply&) { return kOk; });
}

int SDT_GetSAMStatus(int iPort, int iIfOpen) {
  return run(iPort, iIfOpen, kCmdStatus, kParaFF, 0x90, [](const LegacyReply&) { return kOk; });
}

int SDT_GetSAMID(int iPort, unsigned char* pucSAMID, int iIfOpen) {
  if (pucSAMID == nullptr) return kBadArgument;
  return run(iPort, iIfOpen, kCmdSamId, kParaFF, 0x90, [&](const LegacyReply& r) {
    return r.data.size() == 16 && copy_out(r, 0, 16, pucSAMID) ? kOk : kTransferError;
  });
}

int SDT_GetSAMIDToStr(int iPort, char* pcSAMID, int iIfOpen) {
  if (pcSAMID == nullptr) return kBadArgument;
  unsigned char raw[16];
  const int rc = SDT_GetSAMID(iPort, raw, iIfOpen);
  if (rc != kOk) return rc;
  auto u16 = [&](int at) { return unsigned{raw[at]} | (unsigned{raw[at + 1]} << 8); };
  auto u32 = [&](int at) {
    return unsigned{raw[at]} | (unsigned{raw[at + 1]} << 8) | (unsigned{raw[at + 2]} << 16) |
           (unsigned{raw[at + 3]} << 24);
  };
  // DESIGN 8: SDT's string form "%02d.%02d-%08u-%010u-%010u", 36 characters + NUL in the
  // caller's buffer, for an id whose u16s are below 100 and first u32 below 10^8. Any other
  // id would print longer: it has no SDT string, so it is refused rather than cut.
  char text[48];
  const int n = std::snprintf(text, sizeof(text), "%02u.%02u-%08u-%010u-%010u", u16(0), u16(2),
                              u32(4), u32(8), u32(12));
  if (n != kSamIdTextLength) return kTransferError;
  std::memcpy(pcSAMID, text, kSamIdTextLength + 1);
  return kOk;
}

int SDT_StartFindIDCard(int iPort, unsigned char* pucManaInfo, int iIfOpen) {
  if (pucManaInfo == nullptr) return kBadArgument;
  return run(iPort, iIfOpen, kCmdCard, kParaFind, 0x9F, [&](const LegacyReply& r) {
    return r.data.size() == 4 && copy_out(r, 0, 4, pucManaInfo) ? 0x9F : kTransferError;
  });
}

int SDT_SelectIDCard(int iPort, unsigned char* pucManaMsg, int iIfOpen) {
  if (pucManaMsg == nullptr) return kBadArgument;
  return run(iPort, iIfOpen, kCmdCard, kParaSelect, 0x90, [&](const LegacyReply& r) {
    return r.data.size() == 8 && copy_out(r, 0, 8, pucManaMsg) ? kOk : kTransferError;
  });
}

int SDT_ReadBaseMsg(int iPort, unsigned char* pucCHMsg, unsigned int* puiCHMsgLen,
                    unsigned char* pucPHMsg, unsigned int* puiPHMsgLen, int iIfOpen) {
  if (!pucCHMsg || !puiCHMsgLen || !pucPHMsg || !puiPHMsgLen) return kBadArgument;
  return run(iPort, iIfOpen, kCmdRead, kParaBase, 0x90, [&](const LegacyReply& r) {
    return take_base(r, pucCHMsg, puiCHMsgLen, pucPHMsg, puiPHMsgLen, nullptr, nullptr);
  });
}

int SDT_ReadBaseFPMsg(int iPort, unsigned char* pucCHMsg, unsigned int* puiCHMsgLen,
                      unsigned char* pucPHMsg, unsigned int* puiPHMsgLen, unsigned char* pucFPMsg,
                      unsigned int* puiFPMsgLen, int iIfOpen) {
  if (!pucCHMsg || !puiCHMsgLen || !pucPHMsg || !puiPHMsgLen || !pucFPMsg || !puiFPMsgLen)
    return kBadArgument;
  return run(iPort, iIfOpen, kCmdRead, kParaBaseFp, 0x90, [&](const LegacyReply& r) {
    return take_base(r, pucCHMsg, puiCHMsgLen, pucPHMsg, puiPHMsgLen, pucFPMsg, puiFPMsgLen);
  });
}

int SDT_ReadNewAppMsg(int iPort, unsigned char* pucAppMsg, unsigned int* puiAppMsgLen,
                      int iIfOpen) {
  if (pucAppMsg == nullptr || puiAppMsgLen == nullptr) return kBadArgument;
  return read_addresses(iPort, iIfOpen, pucAppMsg, puiAppMsgLen);
}

int SDT_ReadAllAppMsg(int iPort, unsigned char* pucAppMsg, unsigned int* puiAppMsgLen,
                      int iIfOpen) {
  if (pucAppMsg == nullptr || puiAppMsgLen == nullptr) return kBadArgument;
  return read_addresses(iPort, iIfOpen, pucAppMsg, puiAppMsgLen);
}

int SDT_ReadFPMsg(int iPort, unsigned char* pucFPMsg, unsigned int* puiFPMsgLen, int iIfOpen) {
  if (pucFPMsg == nullptr || puiFPMsgLen == nullptr) return kBadArgument;
  try {
    auto b = std::make_unique<BaseRead>();
    const int rc = read_base(iPort, iIfOpen, true, *b);
    if (rc != kOk) return rc;
    if (b->fp_len == 0) return kNoContent;  // a card without fingerprints
    std::memcpy(pucFPMsg, b->fp, b->fp_len);
    *puiFPMsgLen = b->fp_len;
    return kOk;
  } catch (...) {
    return kTransferError;
  }
}

int SDT_ReadBaseMsgToFile(int iPort, char* pcCHMsgFileName, unsigned int* puiCHMsgFileLen,
                          char* pcPHMsgFileName, unsigned int* puiPHMsgFileLen, int iIfOpen) {
  if (!pcCHMsgFileName || !puiCHMsgFileLen || !pcPHMsgFileName || !puiPHMsgFileLen)
    return kBadArgument;
  try {
    auto b = std::make_unique<BaseRead>();
    const int rc = read_base(iPort, iIfOpen, false, *b);
    if (rc != kOk) return rc;
    if (!write_file(pcCHMsgFileName, b->text, b->text_len) ||
        !write_file(pcPHMsgFileName, b->photo, b->photo_len))
      return kFileError;
    *puiCHMsgFileLen = b->text_len;
    *puiPHMsgFileLen = b->photo_len;
    return kOk;
  } catch (...) {
    return kTransferError;
  }
}

int SDT_ReadBaseFPMsgToFile(int iPort, char* pcCHMsgFileName, unsigned int* puiCHMsgFileLen,
                            char* pcPHMsgFileName, unsigned int* puiPHMsgFileLen,
                            char* pcFPMsgFileName, unsigned int* puiFPMsgFileLen, int iIfOpen) {
  if (!pcCHMsgFileName || !puiCHMsgFileLen || !pcPHMsgFileName || !puiPHMsgFileLen ||
      !pcFPMsgFileName || !puiFPMsgFileLen)
    return kBadArgument;
  try {
    auto b = std::make_unique<BaseRead>();
    const int rc = read_base(iPort, iIfOpen, true, *b);
    if (rc != kOk) return rc;
    if (!write_file(pcCHMsgFileName, b->text, b->text_len) ||
        !write_file(pcPHMsgFileName, b->photo, b->photo_len) ||
        !write_file(pcFPMsgFileName, b->fp, b->fp_len))
      return kFileError;
    *puiCHMsgFileLen = b->text_len;
    *puiPHMsgFileLen = b->photo_len;
    *puiFPMsgFileLen = b->fp_len;
    return kOk;
  } catch (...) {
    return kTransferError;
  }
}

int SDT_ReadMngInfo(int iPort, unsigned char* pucManageMsg, int iIfOpen) {
  if (pucManageMsg == nullptr) return kBadArgument;
  return no_such_content(iPort, iIfOpen);
}

int SDT_ReadIINSNDN(int iPort, unsigned char* pucIINSNDN, int iIfOpen) {
  if (pucIINSNDN == nullptr) return kBadArgument;
  return no_such_content(iPort, iIfOpen);
}

int SDT_ReadIINSNDNToASCII(int iPort, unsigned char* pucRecvData, int iIfOpen) {
  if (pucRecvData == nullptr) return kBadArgument;
  return no_such_content(iPort, iIfOpen);
}

int SDT_GetCOMBaud(int iComID, unsigned int* puiBaud) {
  if (puiBaud == nullptr) return kBadArgument;
  if (!idr::sdt::is_serial_port(iComID)) return kPortError;
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    const std::string uri = uri_locked(iComID);
    if (uri.empty()) return kPortError;
    if (!is_serial(uri)) return kNotSerial;
    // The reader must answer at the port's rate (11 FF), as the SDK's probe does; an open
    // port is asked through its own link.
    std::unique_ptr<LegacyPort> own;
    LegacyPort* p = nullptr;
    if (const auto it = g_ports.find(iComID); it != g_ports.end()) {
      p = it->second.get();
    } else {
      auto opened = LegacyPort::open(uri);
      if (!opened) return kPortError;
      own = std::make_unique<LegacyPort>(std::move(opened).value());
      p = own.get();
    }
    auto reply = p->command(kCmdStatus, kParaFF);
    if (!reply) return code_for(reply.error());
    if (reply->sw3 != 0x90) return reply->sw3;
    const std::string used = p->describe();  // "serial:PATH?baud=N"
    const auto at = used.find("?baud=");
    if (at == std::string::npos) return kTransferError;
    *puiBaud = static_cast<unsigned>(std::stoul(used.substr(at + 6)));
    return kOk;
  } catch (...) {
    return kTransferError;
  }
}

int SDT_SetCOMBaud(int iComID, unsigned int uiCurrBaud, unsigned int uiSetBaud) {
  if (!idr::sdt::is_serial_port(iComID)) return kPortError;
  uint8_t code = 0;
  while (code < idr::hostlink::kBaudCodeCount && idr::hostlink::kBaudByCode[code] != uiSetBaud)
    ++code;
  if (code == idr::hostlink::kBaudCodeCount) return kBadArgument;  // not a DESIGN 8 rate
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    const std::string uri = idr::sdt::reader_uri_for_port(iComID);
    if (uri.empty()) return kPortError;
    if (!is_serial(uri)) return kNotSerial;
    g_ports.erase(iComID);  // the link changes rate: an open port is reopened at the new one
    auto p = LegacyPort::open(with_baud(uri, uiCurrBaud));
    if (!p) return kPortError;
    auto reply = p->command(kCmdSetBaud, code);  // answered at the current rate
    if (!reply) return code_for(reply.error());
    if (reply->sw3 != 0x90) return reply->sw3;
    g_baud[iComID] = uiSetBaud;
    return kOk;
  } catch (...) {
    return kTransferError;
  }
}

int SDT_GetErrorString(int ErrorCode, char* ErrorString) {
  if (ErrorString == nullptr) return kBadArgument;
  const char* text = error_text(ErrorCode);
  if (text == nullptr) {
    std::snprintf(ErrorString, 64, "unknown result code 0x%02X",
                  static_cast<unsigned>(ErrorCode) & 0xFFu);
    return kBadArgument;
  }
  std::snprintf(ErrorString, 64, "%s", text);
  return kOk;
}

int SDT_SetMaxRFByte(int iPort, unsigned char ucByte, int iIfOpen) {
  return run(
      iPort, iIfOpen, kCmdMaxRf, kParaFF, 0x90, [](const LegacyReply&) { return kOk; },
      std::vector<uint8_t>{ucByte});
}

}  // extern "C"
