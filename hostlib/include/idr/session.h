#pragma once
// idr::Session: one verified read, the product's main job, in one call (DESIGN 5, 7, 11).
//
//   std::string why;
//   auto policy = idr::Policy::load({{"/etc/idr/roots"}, {}, "/var/lib/idr/counters.db"}, &why);
//   auto session = idr::Session::open("tcp://127.0.0.1:5000", std::move(*policy));
//   auto d = session->read_verified(idr::kBase, std::chrono::seconds(10));
//   if (d && d->accepted()) std::cout << d->card()->name << "\n";
//   else if (d) for (const idr::Verdict* r : d->reasons()) std::cout << r->message << "\n";
//
// read_verified finds the card (Reader::wait_for_signed), sends a fresh nonce, reads the
// signed record, verifies it (verify_record: signature, chain, revocation, nonce, counter,
// SAM, field digests), runs the DESIGN 7 checks on the verified data and looks the card up
// in the lost/stolen list, and returns one Decision: accepted or not, every check as a
// Verdict (verdict.h), and the card data only when the record verified.
//
// Thread safety (the contract the code keeps):
// - A Session may be used by any number of threads at once while it is alive: reader
//   commands are serialised by its Reader (reader.h), verification reads the Policy only
//   (TrustStore const use and Blocklist lookups are thread-safe; the CounterStore's advance
//   is atomic, so one record is accepted once).
// - The lost/stolen list is the one thing that may change while the Session is in use
//   (during watch, read_verified, read_found, on any thread): a new list is loaded into the
//   BlocklistHolder that policy().lost_stolen points to (BlocklistHolder::reload, from any
//   thread; e.g. a gate's list follower, DESIGN 13). Each decision takes the holder's list
//   once: a decision in progress keeps the list it took, the next one uses the new list.
// - cancel() and canceller() as Reader's: from any thread; a Canceller also after the
//   Session is gone.
// - Destroying or moving a Session, and any other change of its policy() (including pointing
//   lost_stolen at another holder), must not overlap any other call on it.
// No exceptions leave these functions except std::bad_alloc.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "idr/blocklist.h"
#include "idr/card.h"
#include "idr/checks.h"
#include "idr/error.h"
#include "idr/reader.h"
#include "idr/signed.h"
#include "idr/verdict.h"
#include "idr/verify.h"

namespace idr {

// What a read must satisfy to be accepted.
struct Policy {
  TrustStore trust;  // roots and revocation list(s): without both nothing verifies
  // The last counter per reader: a live read needs it (a replayed record is refused by it);
  // without it the counter check is NOT_CHECKED and nothing verifies.
  std::optional<CounterStore> counters;
  // The lost/stolen list (DESIGN 7) in force; null: no list check (no "lost_stolen"
  // verdict). A holder, so the list can be replaced while reads go on (reload(); thread
  // safety below); a holder with no list loaded yet decides "lost_stolen" NOT_CHECKED
  // (no_list), which rejects the card.
  std::shared_ptr<BlocklistHolder> lost_stolen;
  bool checks = true;  // the DESIGN 7 checks on the verified card data
  // The checks' today ("YYYYMMDD"); empty: the local date at each read.
  std::string today;
  // Unix seconds for certificate validity; nullopt: the system clock at each read.
  std::optional<int64_t> now;

  // The files a policy is made of (the `idr` tool's --trust, --revoked, --counters,
  // --blocklist; the C API's idr_verify_config).
  struct Files {
    std::vector<std::string> trust;    // PEM files or directories of roots
    std::vector<std::string> revoked;  // revocation lists; none: revoked.txt beside each
                                       // trust path when there is one (DESIGN 11)
    std::string counters;              // counter store (SQLite, created when missing);
                                       // empty: none
    std::string lost_stolen;           // lost/stolen list file; empty: none
  };
  // InvalidArgument (with *why naming the file) when a file is refused; Io when the
  // counter store cannot be opened.
  [[nodiscard]] static Result<Policy> load(const Files& files, std::string* why = nullptr);
};

// The outcome of one read: accepted or rejected, with every check's verdict.
class Decision {
 public:
  // The record verified, no verdict FAILED, and every required verdict SUCCEEDED.
  [[nodiscard]] bool accepted() const;
  // Every required check of the signed record SUCCEEDED (the card data is the card's).
  [[nodiscard]] bool verified() const { return verified_; }
  // Every check in order: the record's (verify.h), then the card data checks (checks.h,
  // only on verified data), then "lost_stolen" (when the policy has a list and the record
  // verified).
  [[nodiscard]] const std::vector<Verdict>& verdicts() const { return verdicts_; }
  // Why it was rejected: each verdict that FAILED, or is required and did not succeed.
  // Empty when accepted.
  [[nodiscard]] std::vector<const Verdict*> reasons() const;
  // The verified card data (fields not read or not disclosed are empty); nullptr unless
  // verified(): a record that did not verify exposes no field.
  [[nodiscard]] const CardData* card() const { return verified_ ? &card_ : nullptr; }
  // The names of the verified fields (the disclosures that matched their digest).
  [[nodiscard]] const std::vector<std::string>& verified_fields() const { return fields_; }
  // The record file exactly as read (signed.h), to save, journal or verify again offline.
  [[nodiscard]] const Bytes& record() const { return record_; }
  // The reader serial and counter the record names ("" / 0 when it did not decode): NOT
  // verified unless verified().
  [[nodiscard]] const std::string& reader_serial() const { return serial_; }
  [[nodiscard]] uint64_t counter() const { return counter_; }

  struct Access;  // library internal: builds Decisions

 private:
  bool verified_ = false;
  std::vector<Verdict> verdicts_;
  CardData card_;
  std::vector<std::string> fields_;
  Bytes record_;
  std::string serial_;
  uint64_t counter_ = 0;
};

// The decision on a record file read earlier (offline: `idr read --out`, a forwarded,
// reduced record). The nonce is checked only when given; the counter only when the policy
// has a counter store (then a record seen before is a replay).
[[nodiscard]] Decision decide_record(const Bytes& record_file, Policy& policy,
                                     const std::optional<ReadNonce>& nonce = std::nullopt);

// The card data checks (when policy.checks) and the lost/stolen list (when policy has one)
// on `card`: what a Decision adds to a verified record's verdicts. For a caller's own
// unsigned read (the idr tool's --legacy) the verdicts say nothing about where the data came
// from.
[[nodiscard]] std::vector<Verdict> check_card_data(const CardData& card, const Policy& policy);

// One presentation seen by Session::watch: the decision on the card, or the error that
// ended its read (the card left during it, a reader SW3 error, a malformed answer).
using Presentation = Result<Decision>;

// The errors after which Session::watch ends: the reader cannot be reached or the link broke
// (TransportOpen, TransportClosed, Timeout, Io), the caller cancelled, or the reader cannot
// be used this way (InvalidArgument, Unsupported). Any other error is one presentation's.
// For callers that run their own loop over a Session (the idr serve page).
[[nodiscard]] bool ends_watch(Error e);

class Session {
 public:
  [[nodiscard]] static Result<Session> open(const std::string& reader_uri, Policy policy,
                                            ReaderOptions options = {});
  // Over a reader the caller opened (another transport, tests).
  [[nodiscard]] static Session over(Reader reader, Policy policy);
  // Over a reader the caller keeps owning (the C API's reader handle): `reader` must
  // outlive the Session.
  [[nodiscard]] static Session attach(Reader& reader, Policy policy);

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  // Waits up to `wait` for a card to be presented (0: looks once), reads it signed with a
  // fresh nonce and decides. NoCard when none came within `wait`; Cancelled after cancel();
  // a reader or transport error as Reader's. A record that was read always gives a
  // Decision (rejected when it does not verify).
  [[nodiscard]] Result<Decision> read_verified(
      unsigned fields = kBase, std::chrono::milliseconds wait = std::chrono::milliseconds{0});
  // The card the caller already found with reader().find_card(): READ_SIGNED with a fresh
  // nonce and the decision (the C API's idr_reader_read_verified).
  [[nodiscard]] Result<Decision> read_found(unsigned fields = kBase);

  // For gates: waits for each presentation and calls `on_presentation` with its decision
  // (or the error of its read), until it returns false (then Ok). A card is one
  // presentation until it leaves the field; presented again, it is a new one (DESIGN 8).
  // Ends with the error when the reader cannot be reached or the link broke (TransportOpen,
  // TransportClosed, Timeout, Io), or Cancelled after cancel().
  [[nodiscard]] Result<void> watch(unsigned fields,
                                   const std::function<bool(const Presentation&)>& on_presentation);

  // As Reader::cancel / reset_cancel / canceller.
  void cancel();
  void reset_cancel();
  [[nodiscard]] Reader::Canceller canceller() const;

  [[nodiscard]] Reader& reader();
  [[nodiscard]] Policy& policy();

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr
