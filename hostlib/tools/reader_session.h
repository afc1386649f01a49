#pragma once
// A reader opened for one command as an idr::Session (session.h: its Reader and the
// command's Policy), with SIGINT/SIGTERM turned into a cancel of its calls (from the watcher
// thread, through a Reader::Canceller: safe while the reader is closed or destroyed, see
// reader.h).
#include <memory>
#include <string>

#include "idr/session.h"
#include "interrupt.h"

namespace idr::tool {

struct ReaderSession {
  InterruptWatcher interrupt;
  std::unique_ptr<Session> session;
  Reader* reader = nullptr;  // session->reader()
  ~ReaderSession() { interrupt.on_interrupt(nullptr); }
};

// Opens `uri` with `policy`; on failure prints why (naming the URI) and sets `exit_code`.
[[nodiscard]] std::unique_ptr<ReaderSession> open_session(const char* command,
                                                          const std::string& uri, Policy policy,
                                                          int& exit_code);
// For commands that read nothing (info, sam-id): an empty policy.
[[nodiscard]] std::unique_ptr<ReaderSession> open_session(const char* command,
                                                          const std::string& uri, int& exit_code);

}  // namespace idr::tool
