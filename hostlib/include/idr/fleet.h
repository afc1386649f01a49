#pragma once
// The fleet layer at a gate or counter (DESIGN 13): each verified record goes to the NATS
// JetStream stream of signed reads, through a local SQLite spool that keeps it while the
// cluster cannot be reached and sends it later, oldest first.
//
//   std::string why;
//   auto pub = idr::fleet::Publisher::open({{"nats://10.0.0.1:4222", "nats://10.0.0.2:4222"},
//                                          {"beijing", "gate-07"}, "/var/lib/idr/spool.db"},
//                                         &why);
//   session.watch(idr::kText, [&](const idr::Presentation& p) {
//     if (p && p->verified()) (void)pub->publish(*p);  // spooled now, sent when it can be
//     return true;
//   });
//
// What leaves the gate: the record file reduced to the disclosed fields (select_disclosures:
// the COSE_Sign1 bytes unchanged, so the ingester verifies it again), on the subject
// idr.rec.<province>.<site>, with the message id "<reader serial>:<counter>:<SHA-256 hex of
// the bytes sent>" (Nats-Msg-Id) so JetStream drops a record sent twice (a drain cut between
// send and acknowledgement) and only that: another message claiming the same serial and
// counter (a forgery, a cloned reader) cannot get the genuine record dropped (DESIGN 13).
//
// Thread safety: publish(), drain() and spooled() may be called from any threads at once; a
// background thread drains the spool while the Publisher lives. No exceptions leave these
// functions except std::bad_alloc.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "idr/error.h"
#include "idr/session.h"
#include "idr/signed.h"

namespace idr::fleet {

// The stream of signed reads and its subjects (DESIGN 13).
inline constexpr char kRecordStream[] = "IDR_RECORDS";
inline constexpr char kRecordSubjectPrefix[] = "idr.rec.";  // + province + "." + site
// The header carrying the gate's clock (Unix nanoseconds) when the record was spooled: not
// signed, for the publish-to-commit figures only.
inline constexpr char kPublishedHeader[] = "Idr-Published-Ns";

// The fields a gate discloses unless configured otherwise: who (ID number, name, birth date)
// and the card's validity; never the address, photo or fingerprint.
[[nodiscard]] const std::vector<std::string>& default_disclosure();

// Where a gate is: each a subject token of 1..64 characters [A-Za-z0-9_-].
struct GateSite {
  std::string province;
  std::string site;
};
[[nodiscard]] bool valid_token(const std::string& token);
// "idr.rec.<province>.<site>"; InvalidArgument when a token is not valid.
[[nodiscard]] Result<std::string> record_subject(const GateSite& site);
// "<serial>:<counter>:<SHA-256 hex of `record`>": one per record bytes, the same every time
// they are sent; different bytes with the same serial and counter get another id.
[[nodiscard]] std::string message_id(const std::string& reader_serial, uint64_t counter,
                                     const Bytes& record);
// "nats://a:4222,nats://b:4222" -> each URL; InvalidArgument when empty or not nats://.
[[nodiscard]] Result<std::vector<std::string>> parse_servers(const std::string& urls,
                                                             std::string* why = nullptr);

// Creates the record stream when it is missing (subjects idr.rec.>, file storage, `replicas`
// copies, a 10-minute duplicate window); an existing one is left as it is. TransportOpen when
// the cluster cannot be reached within `wait`; Io with `why` when JetStream refuses.
[[nodiscard]] Result<void> ensure_record_stream(
    const std::vector<std::string>& servers, int replicas,
    std::chrono::milliseconds wait = std::chrono::seconds(10), std::string* why = nullptr);

struct PublisherOptions {
  std::vector<std::string> servers;  // NATS URLs of the cluster
  GateSite site;
  std::string spool;  // SQLite file (created when missing): records not yet acknowledged
  // The fields that leave the gate (those the record discloses; empty: default_disclosure()).
  std::vector<std::string> disclose;
  // How long one send waits for JetStream's acknowledgement.
  std::chrono::milliseconds ack_wait = std::chrono::seconds(2);
  // At most this many records wait in the spool; publish() refuses more (Io).
  uint64_t spool_limit = 1'000'000;
};

class Publisher {
 public:
  // InvalidArgument (with `why`) for a bad site or no server; Io when the spool cannot be
  // opened. The cluster need not be reachable: records wait in the spool until it is.
  [[nodiscard]] static Result<Publisher> open(const PublisherOptions& options,
                                              std::string* why = nullptr);
  Publisher(Publisher&&) noexcept;
  Publisher& operator=(Publisher&&) noexcept;
  ~Publisher();  // stops the drain thread; what is spooled stays for the next open

  // Spools the decision's record, reduced to the disclosed fields, and wakes the drain
  // thread. InvalidArgument when the decision is not verified (an unverified record never
  // leaves the gate); Io when the spool is full or cannot be written.
  [[nodiscard]] Result<void> publish(const Decision& decision);
  // The same for a record file the caller verified (replays, tools): the message is named by
  // the record's own serial and counter; MalformedReply when it does not decode.
  [[nodiscard]] Result<void> publish_record(const Bytes& record_file);

  // Sends what the spool holds, oldest first, until it is empty or a send fails (the order
  // is kept: nothing is sent after a record that was not acknowledged). Ok(records sent).
  [[nodiscard]] Result<uint64_t> drain();
  // Records waiting in the spool.
  [[nodiscard]] Result<uint64_t> spooled() const;
  // Records acknowledged by JetStream since open (duplicates included).
  [[nodiscard]] uint64_t sent() const;

 private:
  struct Impl;
  explicit Publisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace idr::fleet
