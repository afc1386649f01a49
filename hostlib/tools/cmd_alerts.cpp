// idr alerts: tails the fleet's alerts (stream IDR_ALERTS, subjects alerts.KIND; DESIGN 13),
// one JSON object a line, as the ingester's detections publish them.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "commands.h"
#include "detections.h"
#include "interrupt.h"
#include "jetstream.h"

namespace idr::tool {

namespace {

struct AlertsCommand {
  std::string servers = "nats://127.0.0.1:4222", kind;
  bool from_start = false;
  uint64_t count = 0;                 // 0: until interrupted
  std::chrono::milliseconds wait{0};  // 0: wait forever for the next alert
};

int run_alerts(const AlertsCommand& o) {
  if (!o.kind.empty() && o.kind.find_first_of(".*> \t") != std::string::npos)
    throw UsageError("--kind: one kind, e.g. cloned-reader (no '.', '*', '>' or spaces)");
  std::string why;
  auto link = fleet::JetStream::connect(o.servers, 10000, &why);
  if (!link) return fail("alerts", why, kExitUnreachable);
  auto stream = link->ensure_stream(fleet::kAlertStream, "alerts.>", 1, &why);
  if (!stream) return fail("alerts", why, kExitUnreachable);
  uint64_t seq = 1;
  if (!o.from_start) {  // only alerts from now on
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    const natsStatus s = fleet::retry_transient(
        [&] { return js_GetStreamInfo(&si, link->js(), fleet::kAlertStream, nullptr, &jerr); });
    if (s != NATS_OK) return fail("alerts", fleet::js_error("alerts stream", s), kExitUnreachable);
    seq = si->State.LastSeq + 1;
    jsStreamInfo_Destroy(si);
  }
  const std::string subject = o.kind.empty() ? "alerts.>" : "alerts." + o.kind;
  InterruptWatcher interrupt;
  uint64_t printed = 0;
  auto idle_since = std::chrono::steady_clock::now();
  while (!interrupt.interrupted() && (o.count == 0 || printed < o.count)) {
    auto msg = link->next_on_subject(fleet::kAlertStream, subject, seq, &why);
    if (!msg) {
      if (msg.error() != Error::Unsupported) return fail("alerts", why, kExitUnreachable);
      if (o.wait.count() > 0 && std::chrono::steady_clock::now() - idle_since >= o.wait) break;
      interrupt.sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    const char* at = nullptr;
    if (natsMsgHeader_Get(msg->get(), "Nats-Sequence", &at) != NATS_OK || at == nullptr)
      return fail("alerts", "an alert without its stream sequence", kExitMalformed);
    seq = std::strtoull(at, nullptr, 10) + 1;
    std::fwrite(natsMsg_GetData(msg->get()), 1,
                static_cast<size_t>(natsMsg_GetDataLength(msg->get())), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    ++printed;
    idle_since = std::chrono::steady_clock::now();
  }
  return interrupt.interrupted() ? kExitInterrupted : kExitOk;
}

}  // namespace

Command add_alerts(CLI::App& idr) {
  auto o = std::make_shared<AlertsCommand>();
  CLI::App* app = add_command(
      idr, "alerts", "tail the fleet's alerts (JSON lines)",
      "Kinds: id-other-holder, uid-other-id, cloned-reader, impossible-travel, listed-NAME\n"
      "(DESIGN 13). Prints alerts published from now on, or all with --from-start.\n");
  app->add_option("--servers", o->servers, "NATS URLs, comma-separated")->capture_default_str();
  app->add_option("--kind", o->kind, "only this kind");
  app->add_flag("--from-start", o->from_start, "every alert the stream holds, then new ones");
  add_number_option(*app, "--count", o->count, 1, UINT32_MAX, "stop after this many alerts");
  add_seconds_option(*app, "--wait", o->wait,
                     "stop when no alert came for this long (default: wait forever)");
  return {app, [o](const std::optional<Words>&) { return run_alerts(*o); }};
}

}  // namespace idr::tool
