// pcsc: one envelope APDU per request frame (SCardTransmit), the response's reply frame
// queued for read(). A transmit is synchronous inside write(): the reader answers every
// frame once (DESIGN 8), and a card removed or a vpcd connection closed ends the transmit
// at once with an error, which becomes TransportClosed (sticky: open again).
#include "pcsc_transport.h"

#include <winscard.h>
#include <wintypes.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <vector>

#include "idr/discovery.h"
#include "idr/proto/pcsc_envelope.h"

namespace idr::detail {

namespace {

namespace pcsc = ::idr::proto::pcsc;

bool is_our_atr(const uint8_t* atr, size_t n) {
  return n == pcsc::kAtrSize && std::memcmp(atr, pcsc::kAtr.bytes, n) == 0;
}

// Errors that mean the card or the reader is gone (pcsc-lite's pcsclite.h).
bool is_gone(LONG rv) {
  switch (rv) {
    case SCARD_W_REMOVED_CARD:
    case SCARD_W_RESET_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_E_NO_SMARTCARD:
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_NOT_TRANSACTED:
    case SCARD_E_COMM_DATA_LOST:
    case SCARD_E_INVALID_HANDLE:
    case SCARD_F_COMM_ERROR:
      return true;
    default:
      return false;
  }
}

class PcscTransport final : public Transport {
 public:
  PcscTransport(SCARDCONTEXT context, SCARDHANDLE card, std::string reader)
      : context_(context), card_(card), reader_(std::move(reader)) {}
  ~PcscTransport() override {
    (void)SCardDisconnect(card_, SCARD_LEAVE_CARD);
    (void)SCardReleaseContext(context_);
  }
  PcscTransport(const PcscTransport&) = delete;
  PcscTransport& operator=(const PcscTransport&) = delete;

  Result<void> write(const uint8_t* data, size_t len) override {
    if (cancelled()) return Error::Cancelled;
    if (closed_) return Error::TransportClosed;
    pending_.insert(pending_.end(), data, data + len);
    // One envelope per complete request frame; bytes of a frame still to come wait here.
    for (;;) {
      const size_t whole = pcsc::frame_size(pending_.data(), pending_.size());
      if (pending_.size() >= ::idr::hostlink::kHeaderSize && whole == 0) {
        pending_.clear();
        return Error::InvalidArgument;  // not a host-link frame
      }
      if (whole == 0 || pending_.size() < whole) return {};
      auto sent = transmit(pending_.data(), whole);
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(whole));
      if (!sent) return sent.error();
    }
  }

  Result<size_t> read(uint8_t* buf, size_t max, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(m_);
    // Replies arrive inside write(); a wait here only ends by cancel() or the timeout.
    cv_.wait_for(lock, timeout, [&] { return cancelled_ || !input_.empty() || closed_; });
    if (cancelled_) return Error::Cancelled;
    if (input_.empty()) return closed_ ? Error::TransportClosed : Error::Timeout;
    const size_t n = std::min(max, input_.size());
    std::copy_n(input_.begin(), n, buf);
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }

  void discard_input() override {
    std::lock_guard<std::mutex> lock(m_);
    input_.clear();
  }
  void cancel() override {
    {
      std::lock_guard<std::mutex> lock(m_);
      cancelled_ = true;
    }
    cv_.notify_all();
    (void)SCardCancel(context_);  // ends a blocking SCardGetStatusChange of this context
  }
  void reset_cancel() override {
    std::lock_guard<std::mutex> lock(m_);
    cancelled_ = false;
  }
  [[nodiscard]] std::string describe() const override { return "pcsc:" + reader_; }

 private:
  bool cancelled() {
    std::lock_guard<std::mutex> lock(m_);
    return cancelled_;
  }

  Result<void> transmit(const uint8_t* frame, size_t n) {
    uint8_t apdu[pcsc::kMaxCommand];
    const size_t apdu_len = pcsc::build_envelope(frame, n, apdu, sizeof(apdu));
    if (apdu_len == 0) return Error::InvalidArgument;
    std::vector<uint8_t> response(pcsc::kMaxResponse);
    DWORD got = static_cast<DWORD>(response.size());
    const LONG rv = SCardTransmit(card_, SCARD_PCI_T1, apdu, static_cast<DWORD>(apdu_len), nullptr,
                                  response.data(), &got);
    // A card always answers with at least SW1 SW2. An empty "successful" response is what
    // vpcd gives when its connection to the card side closes during the transmit (device
    // pulled mid-command): the link is gone, as for the error codes of is_gone().
    if ((rv != SCARD_S_SUCCESS && is_gone(rv)) || (rv == SCARD_S_SUCCESS && got == 0)) {
      {
        std::lock_guard<std::mutex> lock(m_);
        closed_ = true;
      }
      cv_.notify_all();
      return Error::TransportClosed;
    }
    if (rv != SCARD_S_SUCCESS) return Error::Io;
    if (got < pcsc::kSwSize) return Error::MalformedReply;
    const uint16_t sw = static_cast<uint16_t>((response[got - 2] << 8) | response[got - 1]);
    if (sw != pcsc::kSwOk) return Error::Io;  // the envelope was refused (67 00, 6F 00 ...)
    {
      std::lock_guard<std::mutex> lock(m_);
      input_.insert(input_.end(), response.begin(), response.begin() + (got - pcsc::kSwSize));
    }
    cv_.notify_all();
    return {};
  }

  SCARDCONTEXT context_;
  SCARDHANDLE card_;
  std::string reader_;
  std::vector<uint8_t> pending_;  // request bytes not yet a whole frame (writer thread only)

  std::mutex m_;
  std::condition_variable cv_;
  std::vector<uint8_t> input_;  // reply bytes not read yet
  bool cancelled_ = false;
  bool closed_ = false;
};

// The reader names of a multi-string ("a\0b\0\0").
std::vector<std::string> reader_names(SCARDCONTEXT context) {
  DWORD size = 0;
  if (SCardListReaders(context, nullptr, nullptr, &size) != SCARD_S_SUCCESS || size == 0) return {};
  std::vector<char> buf(size);
  if (SCardListReaders(context, nullptr, buf.data(), &size) != SCARD_S_SUCCESS) return {};
  std::vector<std::string> out;
  for (size_t at = 0; at < buf.size() && buf[at] != '\0';) {
    out.emplace_back(&buf[at]);
    at += out.back().size() + 1;
  }
  return out;
}

// Connects to `name` when its card is ours (ATR from SCardStatus after connecting).
bool connect_ours(SCARDCONTEXT context, const std::string& name, SCARDHANDLE& card) {
  DWORD protocol = 0;
  if (SCardConnect(context, name.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card,
                   &protocol) != SCARD_S_SUCCESS)
    return false;
  uint8_t atr[MAX_ATR_SIZE];
  DWORD atr_len = sizeof(atr), state = 0, proto = 0;
  char reader[256];
  DWORD reader_len = sizeof(reader);
  if (SCardStatus(card, reader, &reader_len, &state, &proto, atr, &atr_len) == SCARD_S_SUCCESS &&
      is_our_atr(atr, atr_len))
    return true;
  (void)SCardDisconnect(card, SCARD_LEAVE_CARD);
  return false;
}

}  // namespace

Result<std::unique_ptr<Transport>> open_pcsc(const std::string& reader_name) {
  SCARDCONTEXT context = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS)
    return Error::TransportOpen;  // no pcscd
  std::vector<std::string> candidates;
  if (reader_name.empty())
    candidates = reader_names(context);
  else
    candidates.push_back(reader_name);
  for (const std::string& name : candidates) {
    SCARDHANDLE card = 0;
    if (connect_ours(context, name, card))
      return std::unique_ptr<Transport>(std::make_unique<PcscTransport>(context, card, name));
  }
  (void)SCardReleaseContext(context);
  return Error::TransportOpen;
}

}  // namespace idr::detail

namespace idr {

// SCardListReaders, then one SCardGetStatusChange (timeout 0) for all of them: its ATR per
// reader without connecting to any card (idr/discovery.h). Kept: a card present whose ATR
// is the reader application's (idr/proto/pcsc_envelope.h); other cards and empty slots are
// not ours.
Result<std::vector<ReaderInfo>> list_pcsc_readers() {
  SCARDCONTEXT context = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS)
    return Error::TransportOpen;  // no pcscd
  const std::vector<std::string> names = detail::reader_names(context);
  std::vector<SCARD_READERSTATE> states(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  LONG rv = SCARD_S_SUCCESS;
  if (!states.empty())
    rv = SCardGetStatusChange(context, 0, states.data(), static_cast<DWORD>(states.size()));
  (void)SCardReleaseContext(context);
  if (rv != SCARD_S_SUCCESS) return Error::Io;
  std::vector<ReaderInfo> out;
  for (size_t i = 0; i < names.size(); ++i) {
    const SCARD_READERSTATE& s = states[i];
    if ((s.dwEventState & SCARD_STATE_PRESENT) == 0 || s.cbAtr > sizeof(s.rgbAtr) ||
        !detail::is_our_atr(s.rgbAtr, s.cbAtr))
      continue;
    out.push_back(
        {"pcsc:" + names[i], "idr reader application in PC/SC reader " + names[i], "pcsc"});
  }
  return out;
}

}  // namespace idr
