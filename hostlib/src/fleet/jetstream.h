#pragma once
// The fleet layer's one wrapper of libnats 3.4 (DESIGN 10, 13): a NATS connection with its
// JetStream context (RAII), stream and bucket creation, publish with Nats-Msg-Id, direct
// get; used by the gate's publisher, the record stream's creation, idr-ingest (consumer,
// alerts, list following), list distribution and the idr tool. Not thread-safe as an
// object: each thread that publishes or follows opens its own, except that libnats'
// connection and context may be shared for calls libnats makes thread-safe (the ingester's
// fetch loop and its workers' acknowledgements).
#include <nats/nats.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr::fleet {

// nats_Open once per process; nats_CloseAndWait at exit, after the library's threads let go
// of everything (its connections are freed asynchronously). connect() calls it.
void open_nats_library();

// RAII owners of libnats objects.
struct NatsMsgFree {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using NatsMsg = std::unique_ptr<natsMsg, NatsMsgFree>;
struct KvEntryFree {
  void operator()(kvEntry* e) const { kvEntry_Destroy(e); }
};
using KvEntry = std::unique_ptr<kvEntry, KvEntryFree>;

// How connect() connects.
struct NatsConnect {
  // TransportOpen when no server answers within this, unless keep_trying.
  int64_t timeout_ms = 2000;
  // Connected even while no server answers: libnats retries in the background (a gate that
  // starts while the cluster is away, an ingester started before it).
  bool keep_trying = false;
  int64_t api_wait_ms = 5000;  // JetStream API calls' (and synchronous publishes') timeout
};

class JetStream {
 public:
  // `servers`: the cluster's nats:// URLs. After a loss it reconnects forever, 250 ms apart.
  // InvalidArgument when none is given; TransportOpen when none answers (see NatsConnect).
  [[nodiscard]] static Result<JetStream> connect(const std::vector<std::string>& servers,
                                                 const NatsConnect& how,
                                                 std::string* why = nullptr);
  // The same from comma-separated URLs, waiting `timeout_ms` for an answer.
  [[nodiscard]] static Result<JetStream> connect(const std::string& servers, int64_t timeout_ms,
                                                 std::string* why = nullptr);
  JetStream(JetStream&&) noexcept;
  JetStream& operator=(JetStream&&) noexcept;
  ~JetStream();

  [[nodiscard]] natsConnection* nc() const { return nc_; }
  [[nodiscard]] jsCtx* js() const { return js_; }
  [[nodiscard]] bool connected() const;

  // Creates the stream when it does not exist (file storage, direct get allowed).
  [[nodiscard]] Result<void> ensure_stream(const std::string& name, const std::string& subjects,
                                           int replicas, std::string* why = nullptr);
  // The bucket, created when missing (history 1 unless given).
  [[nodiscard]] Result<kvStore*> ensure_kv(const std::string& bucket, int replicas,
                                           std::string* why = nullptr, int history = 1);
  // The bucket if it exists: NotFound-style Unsupported when it does not.
  [[nodiscard]] Result<kvStore*> open_kv(const std::string& bucket, std::string* why = nullptr);

  // Publishes with a Nats-Msg-Id (JetStream deduplicates) and optional extra header; returns
  // the stream sequence.
  [[nodiscard]] Result<uint64_t> publish(const std::string& subject, const void* data, size_t size,
                                         const std::string& msg_id, std::string* why = nullptr,
                                         const char* header = nullptr,
                                         const std::string& header_value = {});
  // The first message on `subject` at or after stream sequence `from` (direct get, any
  // replica). Unsupported when there is none.
  [[nodiscard]] Result<NatsMsg> next_on_subject(const std::string& stream,
                                                const std::string& subject, uint64_t from,
                                                std::string* why = nullptr);

 private:
  JetStream() = default;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  // One store per bucket, owned, destroyed with the link: open_kv/ensure_kv on every poll
  // return the same one instead of growing this without bound.
  std::map<std::string, kvStore*> kvs_;
};

// idr-ingest's consumer names (DESIGN 13): each consumer it makes is named DURABLE-<16 hex
// digits>, a new name each time, so a consumer left behind (one a restarted node runs again
// for a moment) never answers the pull requests of the one that replaced it.
inline bool is_ingest_consumer(const std::string& durable, const std::string& name) {
  return name.size() == durable.size() + 17 && name.compare(0, durable.size(), durable) == 0 &&
         name[durable.size()] == '-' &&
         name.find_first_not_of("0123456789abcdef", durable.size() + 1) == std::string::npos;
}

// Runs `call` again while it fails with a transient status (timeout, no responders: a
// leader election, a node restarting, a loaded machine) until `bound_ms` has passed; returns
// the last status. Only for calls that are safe to repeat.
template <typename F>
natsStatus retry_transient(F call, int64_t bound_ms = 30000) {
  const int64_t start = nats_Now();
  for (;;) {
    const natsStatus s = call();
    if ((s != NATS_TIMEOUT && s != NATS_NO_RESPONDERS) || nats_Now() - start > bound_ms) return s;
    nats_Sleep(100);
  }
}

// "what: <libnats status text> (JetStream error N) (<last error>)", the parts in
// parentheses when there is something to say.
[[nodiscard]] std::string js_error(const char* what, natsStatus s,
                                   jsErrCode jerr = static_cast<jsErrCode>(0));

}  // namespace idr::fleet
