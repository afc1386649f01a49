#pragma once
// A reader opened for one command, with SIGINT/SIGTERM turned into a cancel of its calls
// (from the watcher thread, through a Reader::Canceller: safe while the reader is closed or
// destroyed, see reader.h).
#include <memory>
#include <string>

#include "idr/reader.h"
#include "interrupt.h"

namespace idr::tool {

struct ReaderSession {
  InterruptWatcher interrupt;
  std::unique_ptr<Reader> reader;
  ~ReaderSession() { interrupt.on_interrupt(nullptr); }
};

// Opens `uri`; on failure prints why (naming the URI) and sets `exit_code`.
[[nodiscard]] std::unique_ptr<ReaderSession> open_session(const char* command,
                                                          const std::string& uri, int& exit_code);

}  // namespace idr::tool
