// JetStream (jetstream.h): the fleet layer's libnats 3.4 connection, JetStream context,
// streams and buckets.
#include "jetstream.h"
#include "fleet_fail.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace idr::fleet {

namespace {
void close_nats_library() {
  (void)nats_CloseAndWait(5000);
}
// Nothing to do when a background connect succeeds: the drain (or the caller's next call)
// finds the connection up. Its presence is what makes the connect asynchronous.
void connected_in_background(natsConnection*, void*) {}
}  // namespace

void open_nats_library() {
  static std::mutex mutex;
  static bool opened = false;
  const std::lock_guard<std::mutex> lock(mutex);
  if (opened) return;
  if (nats_Open(-1) != NATS_OK) return;  // connect() then fails and says why
  std::atexit(close_nats_library);
  opened = true;
}

std::string js_error(const char* what, natsStatus s, jsErrCode jerr) {
  std::string text = std::string(what) + ": " + natsStatus_GetText(s);
  if (jerr != 0) text += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && std::strstr(detail, natsStatus_GetText(s)) == nullptr)
    text += std::string(" (") + detail + ")";
  return text;
}

Result<JetStream> JetStream::connect(const std::string& servers, int64_t timeout_ms,
                                     std::string* why) {
  std::vector<std::string> urls;
  for (size_t at = 0; at <= servers.size();) {
    const size_t comma = std::min(servers.find(',', at), servers.size());
    if (comma > at) urls.push_back(servers.substr(at, comma - at));
    at = comma + 1;
  }
  NatsConnect how;
  how.timeout_ms = timeout_ms;
  return connect(urls, how, why);
}

Result<JetStream> JetStream::connect(const std::vector<std::string>& servers,
                                     const NatsConnect& how, std::string* why) {
  open_nats_library();
  // libnats 3.4.1 refuses a comma-separated list in natsOptions_SetURL ("no server
  // available" while each URL alone connects): the list goes to SetServers.
  std::vector<const char*> list;
  for (const auto& u : servers) list.push_back(u.c_str());
  if (list.empty()) return fail<JetStream>(why, Error::InvalidArgument, "no NATS server given");
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetServers(opts, list.data(), static_cast<int>(list.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, how.timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 250);
  // keep_trying: libnats retries in the background only when it has a connected handler;
  // with none, natsConnection_Connect blocks until a server answers (forever, with
  // MaxReconnect -1), so a gate started while the cluster is away would never read.
  if (s == NATS_OK && how.keep_trying)
    s = natsOptions_SetRetryOnFailedConnect(opts, true, connected_in_background, nullptr);
  JetStream link;
  if (s == NATS_OK) {
    s = natsConnection_Connect(&link.nc_, opts);
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;  // keep_trying: connects in the background
  }
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    std::string urls;
    for (const auto& u : servers) urls += (urls.empty() ? "" : ",") + u;
    return fail<JetStream>(why, Error::TransportOpen,
                           js_error(("cannot connect to NATS at " + urls).c_str(), s));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = how.api_wait_ms;
  s = natsConnection_JetStream(&link.js_, link.nc_, &jo);
  if (s != NATS_OK) return fail<JetStream>(why, Error::TransportOpen, js_error("JetStream", s));
  return link;
}

bool JetStream::connected() const {
  return nc_ != nullptr && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

JetStream::JetStream(JetStream&& o) noexcept : nc_(o.nc_), js_(o.js_), kvs_(std::move(o.kvs_)) {
  o.nc_ = nullptr;
  o.js_ = nullptr;
  o.kvs_.clear();
}
JetStream& JetStream::operator=(JetStream&& o) noexcept {
  if (this != &o) {
    this->~JetStream();
    new (this) JetStream(std::move(o));
  }
  return *this;
}
JetStream::~JetStream() {
  for (auto& kv : kvs_) kvStore_Destroy(kv.second);
  if (js_) jsCtx_Destroy(js_);
  if (nc_) natsConnection_Destroy(nc_);
}

Result<void> JetStream::ensure_stream(const std::string& name, const std::string& subjects,
                                      int replicas, std::string* why) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s =
      retry_transient([&] { return js_GetStreamInfo(&si, js_, name.c_str(), nullptr, &jerr); });
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return {};
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  const char* subj[] = {subjects.c_str()};
  cfg.Subjects = subj;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = replicas;
  cfg.AllowDirect = true;
  s = retry_transient([&] { return js_AddStream(&si, js_, &cfg, nullptr, &jerr); });
  if (s == NATS_OK) jsStreamInfo_Destroy(si);
  if (s != NATS_OK && jerr != JSStreamNameExistErr)
    return fail<void>(why, Error::TransportOpen, js_error(("stream " + name).c_str(), s));
  return {};
}

Result<kvStore*> JetStream::open_kv(const std::string& bucket, std::string* why) {
  const auto cached = kvs_.find(bucket);
  if (cached != kvs_.end()) return cached->second;
  kvStore* kv = nullptr;
  const natsStatus s = retry_transient([&] { return js_KeyValue(&kv, js_, bucket.c_str()); });
  if (s != NATS_OK)
    return fail<kvStore*>(why, s == NATS_NOT_FOUND ? Error::Unsupported : Error::TransportOpen,
                          js_error(("bucket " + bucket).c_str(), s));
  kvs_[bucket] = kv;
  return kv;
}

Result<kvStore*> JetStream::ensure_kv(const std::string& bucket, int replicas, std::string* why,
                                      int history) {
  auto existing = open_kv(bucket, nullptr);
  if (existing) return existing;
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = bucket.c_str();
  cfg.History = static_cast<uint8_t>(history);
  cfg.Replicas = replicas;
  cfg.StorageType = js_FileStorage;
  kvStore* kv = nullptr;
  const natsStatus s = retry_transient([&] { return js_CreateKeyValue(&kv, js_, &cfg); });
  if (s != NATS_OK) {
    // Another process may have created it meanwhile.
    auto again = open_kv(bucket, nullptr);
    if (again) return again;
    return fail<kvStore*>(why, Error::TransportOpen, js_error(("bucket " + bucket).c_str(), s));
  }
  kvs_[bucket] = kv;
  return kv;
}

Result<uint64_t> JetStream::publish(const std::string& subject, const void* data, size_t size,
                                    const std::string& msg_id, std::string* why, const char* header,
                                    const std::string& header_value) {
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, subject.c_str(), nullptr, static_cast<const char*>(data),
                                static_cast<int>(size));
  NatsMsg msg(raw);
  if (s == NATS_OK && !msg_id.empty()) s = natsMsgHeader_Set(raw, "Nats-Msg-Id", msg_id.c_str());
  if (s == NATS_OK && header) s = natsMsgHeader_Set(raw, header, header_value.c_str());
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  // Repeating is safe: the stream drops a second message with the same Nats-Msg-Id.
  if (s == NATS_OK)
    s = retry_transient([&] { return js_PublishMsg(&ack, js_, raw, nullptr, &jerr); });
  if (s != NATS_OK)
    return fail<uint64_t>(why, Error::TransportClosed, js_error(("publish " + subject).c_str(), s));
  const uint64_t seq = ack->Sequence;
  jsPubAck_Destroy(ack);
  return seq;
}

Result<NatsMsg> JetStream::next_on_subject(const std::string& stream, const std::string& subject,
                                           uint64_t from, std::string* why) {
  jsDirectGetMsgOptions o;
  jsDirectGetMsgOptions_Init(&o);
  o.Sequence = from;
  o.NextBySubject = subject.c_str();
  natsMsg* raw = nullptr;
  const natsStatus s =
      retry_transient([&] { return js_DirectGetMsg(&raw, js_, stream.c_str(), nullptr, &o); });
  if (s == NATS_NOT_FOUND) return fail<NatsMsg>(why, Error::Unsupported, "no message");
  if (s != NATS_OK)
    return fail<NatsMsg>(why, Error::TransportClosed, js_error(("get " + subject).c_str(), s));
  return NatsMsg(raw);
}

}  // namespace idr::fleet
