// libsdtapi: the SDT_* functions (sdtapi.h) over idr::LegacyPort. Each call is one legacy
// command (DESIGN 8); reply bytes go to the caller's buffers unchanged. Open ports live in
// a table keyed by port number; a mutex serialises calls like the SDK's single-threaded
// use expects. No C++ exception crosses the C boundary.
#include "sdtapi.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "idr/legacy_port.h"
#include "sdt_config.h"

namespace {

using idr::Error;
using idr::LegacyPort;
using idr::LegacyReply;

// SDK host-side result codes (sdtapi.h).
constexpr int kOk = 0x90;
constexpr int kPortError = 0x01;
constexpr int kTimeout = 0x02;
constexpr int kTransferError = 0x03;
constexpr int kBadArgument = 0x21;

// Legacy command bytes (DESIGN 8 table).
constexpr uint8_t kCmdSam = 0x10, kCmdStatus = 0x11, kCmdSamId = 0x12, kParaFF = 0xFF;
constexpr uint8_t kCmdCard = 0x20, kParaFind = 0x01, kParaSelect = 0x02;
constexpr uint8_t kCmdRead = 0x30, kParaBase = 0x01, kParaAddress = 0x03, kParaBaseFp = 0x10;
constexpr uint8_t kCmdMaxRf = 0x61;

std::mutex g_mutex;
std::map<int, std::unique_ptr<LegacyPort>> g_ports;  // guarded by g_mutex

int code_for(Error e) {
  if (e == Error::Timeout) return kTimeout;
  if (e == Error::TransportOpen || e == Error::InvalidArgument || e == Error::Unsupported)
    return kPortError;
  return kTransferError;
}

int open_locked(int port) {
  if (g_ports.count(port) != 0) return kOk;
  const std::string uri = idr::sdt::reader_uri_for_port(port);
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
  // DESIGN 8: SDT's string form "%02d.%02d-%08u-%010u-%010u" (36 characters + NUL).
  std::snprintf(pcSAMID, 37, "%02u.%02u-%08u-%010u-%010u", u16(0), u16(2), u32(4), u32(8), u32(12));
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
  return run(iPort, iIfOpen, kCmdRead, kParaAddress, 0x90, [&](const LegacyReply& r) {
    // 70 bytes per entry, at most 4 entries (DESIGN 6): the SDK's 320-byte buffer holds it.
    if (r.data.empty() || r.data.size() > 280 || r.data.size() % 70 != 0) return kTransferError;
    std::memcpy(pucAppMsg, r.data.data(), r.data.size());
    *puiAppMsgLen = static_cast<unsigned>(r.data.size());
    return kOk;
  });
}

int SDT_SetMaxRFByte(int iPort, unsigned char ucByte, int iIfOpen) {
  return run(
      iPort, iIfOpen, kCmdMaxRf, kParaFF, 0x90, [](const LegacyReply&) { return kOk; },
      std::vector<uint8_t>{ucByte});
}

}  // extern "C"
