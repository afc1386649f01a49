#pragma once
// Reader::Impl, shared by reader.cpp (legacy commands) and reader_extension.cpp (the 0xE0
// extension commands), so each file keeps one job.
#include <condition_variable>

#include "idr/proto/hostlink.h"
#include "idr/reader.h"
#include "legacy_protocol.h"

namespace idr {

namespace hl = idr::hostlink;
using Clock = std::chrono::steady_clock;

struct Reader::Impl {
  Impl(std::unique_ptr<Transport> t, ReaderOptions o)
      : transport(std::move(t)), options(o), link(*transport) {}

  std::unique_ptr<Transport> transport;
  ReaderOptions options;
  detail::LegacyLink link;
  std::mutex mutex;  // one command (or find + select + read sequence) at a time
  std::atomic<bool> cancelled{false};
  // The pause between find polls: cancel() notifies it.
  std::mutex pause_mutex;
  std::condition_variable pause_cv;

  // Caller holds `mutex`.
  Result<detail::ReplyFrame> command(uint8_t cmd, uint8_t para) {
    if (cancelled.load()) return Error::Cancelled;
    auto r = link.transact(cmd, para, nullptr, 0, options.command_timeout);
    // A cancel that raced with a reply still reports Cancelled: the caller asked to stop.
    if (cancelled.load()) return Error::Cancelled;
    return r;
  }

  Result<bool> find_locked() {
    auto r = command(hl::cmd::kCard, hl::para::kFind);
    if (!r) return r.error();
    return detail::parse_find(*r);
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

  // Sleeps up to `d`, waking at once on cancel().
  void pause(Clock::duration d) {
    std::unique_lock<std::mutex> lock(pause_mutex);
    pause_cv.wait_for(lock, d, [this] { return cancelled.load(); });
  }
};

}  // namespace idr
