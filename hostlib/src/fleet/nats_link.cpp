#include "nats_link.h"

#include <cstdlib>
#include <mutex>

namespace idr::fleet {

namespace {
void close_nats_library() {
  (void)nats_CloseAndWait(5000);
}
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

std::string nats_error(natsStatus s, jsErrCode jerr) {
  std::string text = natsStatus_GetText(s);
  if (jerr != 0) text += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0') text += ": " + std::string(last);
  return text;
}

Result<std::unique_ptr<NatsLink>> NatsLink::connect(const std::vector<std::string>& servers,
                                                    bool keep_trying,
                                                    std::chrono::milliseconds wait,
                                                    std::string* why) {
  open_nats_library();
  if (servers.empty()) {
    if (why) *why = "no NATS server given";
    return Error::InvalidArgument;
  }
  std::unique_ptr<NatsLink> link(new NatsLink());
  std::vector<const char*> urls;
  for (const auto& s : servers) urls.push_back(s.c_str());
  natsStatus s = natsOptions_Create(&link->opts_);
  if (s == NATS_OK)
    s = natsOptions_SetServers(link->opts_, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(link->opts_, 2000);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(link->opts_, keep_trying ? -1 : 60);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(link->opts_, 250);
  if (s == NATS_OK && keep_trying)
    s = natsOptions_SetRetryOnFailedConnect(link->opts_, true, nullptr, nullptr);
  if (s == NATS_OK) {
    s = natsConnection_Connect(&link->nc_, link->opts_);
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;  // keep_trying: connects in the background
  }
  if (s != NATS_OK) {
    if (why) *why = "cannot connect to NATS: " + nats_error(s);
    return Error::TransportOpen;
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = wait.count();
  s = natsConnection_JetStream(&link->js_, link->nc_, &jo);
  if (s != NATS_OK) {
    if (why) *why = "JetStream context: " + nats_error(s);
    return Error::Io;
  }
  return link;
}

NatsLink::~NatsLink() {
  jsCtx_Destroy(js_);
  natsConnection_Destroy(nc_);
  natsOptions_Destroy(opts_);
}

bool NatsLink::connected() const {
  return nc_ != nullptr && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

}  // namespace idr::fleet
