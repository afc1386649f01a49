#pragma once
// idr::Reader: a counter application's handle on one reader.
//
//   auto reader = idr::Reader::open("tcp://127.0.0.1:5000");
//   auto card = reader->read_card(idr::kAll);
//   if (card) std::cout << card->name << " " << card->id_number << "\n";
//
// Thread safety: a Reader is internally serialised. Any number of threads may call its
// methods; calls run one at a time, in the order they take the lock. cancel() never waits
// for the lock: it makes the call in progress (and wait_for_card) return Error::Cancelled
// promptly, and is the way to stop a gate's wait_for_card from another thread.
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

  // Extension commands (CMD 0xE0, drivers/proto/include/idr/proto/extension.h; signed.h).
  // Reader status errors as for the legacy commands (e.g. Sw3Unauthorized before
  // provisioning); MalformedReply when the answer is not as extension.h says.
  Result<DeviceInfo> device_info();
  // The certificate chain the reader holds, device certificate first (empty: none).
  Result<std::vector<Bytes>> cert_chain();
  // READ_SIGNED of the card found by find_card(): the record file bytes [record,
  // disclosures] exactly as answered (checked to decode). Nothing in it is verified: pass
  // it to verify_record (verify.h) with the same nonce.
  Result<Bytes> read_signed(const ReadNonce& nonce, unsigned fields = kBase);
  Result<void> set_time(uint64_t unix_seconds);
  Result<uint64_t> counter();  // the last counter the reader emitted (0: none yet)
  Result<void> self_test();
  // Provisioning: the reader's key and proof of possession over `challenge` (the caller
  // checks it: ca::check_proof_of_possession), then the chain to store.
  Result<ProvisionedKey> provision_key(const ReadNonce& challenge);
  Result<void> provision_certs(const std::vector<Bytes>& chain);

  // Any thread, any time: stops the call in progress and the next waits until reset.
  void cancel();
  // Clears a cancel so the reader can be used again.
  void reset_cancel();

  [[nodiscard]] std::string describe() const;

  struct Impl;  // library internal (hostlib/src/core/reader_impl.h)

 private:
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr
