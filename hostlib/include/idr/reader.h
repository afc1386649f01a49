#pragma once
// idr::Reader: one reader's commands. For the verified read, the product's main job, use
// idr::Session (session.h), which owns a Reader:
//
//   auto session = idr::Session::open("tcp://127.0.0.1:5000", std::move(policy));
//   auto decision = session->read_verified(idr::kBase, std::chrono::seconds(10));
//   if (decision && decision->accepted()) std::cout << decision->card()->name << "\n";
//
// read_card / wait_for_card are the legacy UNSIGNED read (30 01 / 30 10): nothing in it is
// verified.
//
// Thread safety (the contract the code keeps):
// - A Reader is internally serialised. Any number of threads may call its methods while it
//   is alive; calls run one at a time, in the order they take the lock.
// - cancel() never waits for the lock: it makes the call in progress (and wait_for_card)
//   return Error::Cancelled promptly, and every later call until reset_cancel().
// - close() may be called from any thread, also while another thread is inside a call: it
//   cancels that call, waits for it to return, then closes the transport. Later calls give
//   Error::TransportClosed. Calling it again does nothing.
// - Destroying, moving or assigning a Reader must not overlap any other call on that same
//   object (as for any C++ object): the thread that owns it ends its use. To stop a reader
//   from another thread whose lifetime you do not control (a signal watcher, a UI button),
//   hold a Canceller (canceller()): it shares the cancel state with the reader, so
//   Canceller::cancel() is safe at any time from any thread, before, during and after the
//   reader's close or destruction (then it does nothing). The destructor closes the
//   transport only after detaching it from every Canceller.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "idr/card.h"
#include "idr/error.h"
#include "idr/signed.h"
#include "idr/transport.h"

namespace idr {

struct ReaderOptions {
  // Whole-reply budget per command. Legacy clients allow 3 s before they resend; the reader
  // answers within 500 ms (DESIGN 8).
  std::chrono::milliseconds command_timeout{3000};
  // Pause between find polls in wait_for_card.
  std::chrono::milliseconds poll_interval{50};
};

// The SAM id (DESIGN 8): 16 bytes and SDT's string form.
struct SamId {
  std::array<uint8_t, 16> raw{};
  std::string text;  // "%02d.%02d-%08u-%010u-%010u"
};

class Reader {
 public:
  [[nodiscard]] static Result<Reader> open(const std::string& uri, ReaderOptions options = {});
  // Uses a transport the caller made (tests, future transports).
  [[nodiscard]] static Reader over(std::unique_ptr<Transport> transport,
                                   ReaderOptions options = {});

  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  // Legacy status (11 FF): Ok when the reader and its SAM are healthy.
  Result<void> status();
  Result<void> reset();    // 10 FF
  Result<SamId> sam_id();  // 12 FF

  // Find (20 01): true when a card entered the field (9F), false when none (80). A card
  // that was read is found again only after it leaves and comes back (DESIGN 8).
  Result<bool> find_card();
  // Select (20 02) then read the parts in `fields` (30 01 / 30 10 / 30 03). Assumes a card
  // was found; NoCard when none was.
  Result<CardData> read_card(unsigned fields = kBase);
  // Polls find until a card is presented, then reads it. Timeout when none came in time;
  // Cancelled when cancel() was called.
  Result<CardData> wait_for_card(std::chrono::milliseconds timeout, unsigned fields = kBase);

  // Extension commands (CMD 0xE0, protocol/include/idr/proto/extension.h; signed.h).
  // Reader status errors as for the legacy commands (e.g. Sw3Unauthorized before
  // provisioning); MalformedReply when the answer is not as extension.h says.
  Result<DeviceInfo> device_info();
  // The certificate chain the reader holds, device certificate first (empty: none).
  Result<std::vector<Bytes>> cert_chain();
  // READ_SIGNED of the card found by find_card(): the record file bytes [record,
  // disclosures] exactly as answered (checked to decode). Nothing in it is verified: pass
  // it to verify_record (verify.h) with the same nonce.
  Result<Bytes> read_signed(const ReadNonce& nonce, unsigned fields = kBase);
  // wait_for_card's find loop, then READ_SIGNED of the card presented (find and read under
  // one lock). NoCard when none came within `timeout` (Timeout is a command the reader did
  // not answer); Cancelled when cancel() was called. Session::read_verified (session.h)
  // uses it with a fresh nonce and verifies the answer.
  Result<Bytes> wait_for_signed(const ReadNonce& nonce, std::chrono::milliseconds timeout,
                                unsigned fields = kBase);
  Result<void> set_time(uint64_t unix_seconds);
  Result<uint64_t> counter();  // the last counter the reader emitted (0: none yet)
  Result<void> self_test();
  // Provisioning: the reader's key and proof of possession over `challenge` (the caller
  // checks it: ca::check_proof_of_possession), then the chain to store. Accepted as such
  // only before the reader is "provisioned" (DeviceInfo::state); after, Sw3Unauthorized.
  // ca::provision_reader runs the whole flow, authorised when needed.
  Result<ProvisionedKey> provision_key(const ReadNonce& challenge);
  Result<void> provision_certs(const std::vector<Bytes>& chain);
  // The authorised forms (extension op 0x13) for a provisioned reader: first
  // authorization_challenge() (single use), then the CA's signature over it for exactly
  // this command and DATA (authorized_data). provision_key then makes a NEW key that
  // becomes the reader's identity only when provision_certs commits its chain.
  // Sw3Unauthorized when the reader refuses the authorisation; Sw3IdentityFault when its
  // stored identity is damaged.
  Result<ReadNonce> authorization_challenge();
  Result<ProvisionedKey> provision_key(const ReadNonce& challenge, const Authorization& auth);
  Result<void> provision_certs(const std::vector<Bytes>& chain, const Authorization& auth);
  Result<void> set_time(uint64_t unix_seconds, const Authorization& auth);

  // Any thread, while the reader is alive: stops the call in progress and the next calls
  // until reset_cancel().
  void cancel();
  // Clears a cancel so the reader can be used again.
  void reset_cancel();
  // Any thread, while the reader is alive: cancels the call in progress, waits for it, and
  // closes the transport; later calls give TransportClosed. The destructor does the same.
  void close();

  // Cancels this reader's calls from any thread at any time, also after the reader was
  // closed, moved from or destroyed (then it does nothing). Copyable; a default-constructed
  // one cancels nothing.
  class Canceller {
   public:
    Canceller() = default;
    void cancel() const;
    struct State;  // library internal (hostlib/src/core/reader_impl.h)

   private:
    friend class Reader;
    explicit Canceller(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
  };
  [[nodiscard]] Canceller canceller() const;

  [[nodiscard]] std::string describe() const;

  // The DATA the commands above send (what an Authorization's hash covers).
  [[nodiscard]] static Bytes set_time_data(uint64_t unix_seconds);
  [[nodiscard]] static Bytes provision_certs_data(const std::vector<Bytes>& chain);

  struct Impl;  // library internal (hostlib/src/core/reader_impl.h)

 private:
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr
