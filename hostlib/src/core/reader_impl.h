#pragma once
// Reader::Impl, shared by reader.cpp (legacy commands) and reader_extension.cpp (the 0xE0
// extension commands), so each file keeps one job; and the cancel state that Reader and
// its Cancellers share (the thread-safety contract is in reader.h).
#include <condition_variable>

#include "idr/proto/hostlink.h"
#include "idr/reader.h"
#include "legacy_protocol.h"

namespace idr {

namespace hl = idr::hostlink;
using Clock = std::chrono::steady_clock;

// Owned jointly by the Reader and every Canceller, so a cancel from another thread never
// touches freed memory, whatever the Reader is doing (closing, moving, being destroyed).
// `mutex` guards `transport`: close detaches the transport under it before destroying it,
// and cancel uses the transport only under it, so the two cannot overlap.
struct Reader::Canceller::State {
  std::atomic<bool> cancelled{false};
  std::mutex mutex;
  Transport* transport = nullptr;  // null once the reader is closed
  std::condition_variable pause_cv;

  void cancel() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      // The flag is set under the mutex, so a pauser's predicate check cannot miss it.
      cancelled.store(true);
      if (transport != nullptr) transport->cancel();
    }
    pause_cv.notify_all();
  }
  void reset_cancel() {
    std::lock_guard<std::mutex> lock(mutex);
    cancelled.store(false);
    if (transport != nullptr) transport->reset_cancel();
  }
  // After this, cancel() no longer reaches the transport, which may then be destroyed.
  void detach() {
    std::lock_guard<std::mutex> lock(mutex);
    transport = nullptr;
  }
  // Sleeps up to `d`, waking at once on cancel().
  void pause(Clock::duration d) {
    std::unique_lock<std::mutex> lock(mutex);
    pause_cv.wait_for(lock, d, [this] { return cancelled.load(); });
  }
};

struct Reader::Impl {
  Impl(std::unique_ptr<Transport> t, ReaderOptions o)
      : transport(std::move(t)),
        options(o),
        description(transport->describe()),
        link(std::make_unique<detail::LegacyLink>(*transport)),
        cancel(std::make_shared<Canceller::State>()) {
    cancel->transport = transport.get();
  }
  // No other thread may be inside a Reader call now (reader.h); Cancellers may still be
  // cancelling, so the transport is detached from them before it goes.
  ~Impl() { close_locked(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::unique_ptr<Transport> transport;  // null once closed
  ReaderOptions options;
  std::string description;
  std::unique_ptr<detail::LegacyLink> link;  // uses *transport; null once closed
  std::mutex mutex;  // one command (or find + select + read sequence) at a time
  std::shared_ptr<Canceller::State> cancel;

  // Caller holds `mutex`.
  void close_locked() {
    if (!transport) return;
    cancel->detach();
    link.reset();
    transport.reset();
  }

  // Caller holds `mutex`. One transaction; Cancelled when cancel() came before or during it,
  // TransportClosed once closed.
  Result<detail::ReplyFrame> transact(uint8_t cmd, uint8_t para, const uint8_t* data, size_t size) {
    if (!link) return Error::TransportClosed;
    if (cancel->cancelled.load()) return Error::Cancelled;
    auto r = link->transact(cmd, para, data, size, options.command_timeout);
    // A cancel that raced with a reply still reports Cancelled: the caller asked to stop.
    if (cancel->cancelled.load()) return Error::Cancelled;
    return r;
  }

  // Caller holds `mutex`.
  Result<detail::ReplyFrame> command(uint8_t cmd, uint8_t para) {
    return transact(cmd, para, nullptr, 0);
  }

  Result<bool> find_locked() {
    auto r = command(hl::cmd::kCard, hl::para::kFind);
    if (!r) return r.error();
    return detail::parse_find(*r);
  }

  // Caller holds `mutex`. READ_SIGNED of the found card (reader_extension.cpp).
  Result<Bytes> read_signed_locked(const ReadNonce& nonce, unsigned fields);

  // The one find loop (wait_for_card, wait_for_signed): polls find until a card is
  // presented, then runs `read` on it. Find and read run under one lock so no other call
  // slips between them; the lock is free during the pause so other threads' calls
  // interleave with the polls. A cancel (Cancelled) or close (TransportClosed) ends the loop
  // through find; `on_deadline` when no card came within `timeout`.
  template <typename Read>
  auto wait_and_read(std::chrono::milliseconds timeout, Error on_deadline, Read read)
      -> decltype(read()) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        auto found = find_locked();
        if (!found) return found.error();
        if (*found) return read();
      }
      const auto now = Clock::now();
      if (now >= deadline) return on_deadline;
      cancel->pause(std::min<Clock::duration>(options.poll_interval, deadline - now));
    }
  }

  Result<CardData> read_locked(unsigned fields) {
    auto sel = command(hl::cmd::kCard, hl::para::kSelect);
    if (!sel) return sel.error();
    if (auto s = detail::parse_select(*sel); !s) return s.error();

    CardData card;
    if (fields & (kText | kPhoto | kFingerprint)) {
      const bool with_fp = (fields & kFingerprint) != 0;
      auto r =
          command(hl::cmd::kRead, with_fp ? hl::para::kReadBaseFingerprint : hl::para::kReadBase);
      if (!r) return r.error();
      auto base = detail::parse_read_base(*r, with_fp);
      if (!base) return base.error();
      card = std::move(base).value();
    }
    if (fields & kAddresses) {
      auto r = command(hl::cmd::kRead, hl::para::kReadAddress);
      if (!r) return r.error();
      auto addresses = detail::parse_addresses(*r);
      if (!addresses) return addresses.error();
      card.appended_addresses = std::move(addresses).value();
      card.fields_read |= kAddresses;
    }
    return card;
  }
};

}  // namespace idr
