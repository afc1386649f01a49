#include "reader_session.h"

#include "cli.h"

namespace idr::tool {

std::unique_ptr<ReaderSession> open_session(const char* command, const std::string& uri,
                                            Policy policy, int& exit_code) {
  auto rs = std::make_unique<ReaderSession>();
  Result<Session> opened = Session::open(uri, std::move(policy));
  if (!opened) {
    exit_code = report(command, "cannot open reader " + uri, opened.error());
    return nullptr;
  }
  rs->session = std::make_unique<Session>(std::move(opened).value());
  rs->reader = &rs->session->reader();
  // A Canceller, not the Session: the watcher thread may still be running this action while
  // the command's thread closes and destroys the reader (reader.h's contract).
  rs->interrupt.on_interrupt([canceller = rs->session->canceller()](int) { canceller.cancel(); });
  exit_code = kExitOk;
  return rs;
}

std::unique_ptr<ReaderSession> open_session(const char* command, const std::string& uri,
                                            int& exit_code) {
  return open_session(command, uri, Policy{}, exit_code);
}

}  // namespace idr::tool
