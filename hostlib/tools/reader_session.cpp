#include "reader_session.h"

#include "cli.h"

namespace idr::tool {

std::unique_ptr<ReaderSession> open_session(const char* command, const std::string& uri,
                                            int& exit_code) {
  auto session = std::make_unique<ReaderSession>();
  Result<Reader> opened = Reader::open(uri);
  if (!opened) {
    exit_code = report(command, "cannot open reader " + uri, opened.error());
    return nullptr;
  }
  session->reader = std::make_unique<Reader>(std::move(opened).value());
  // A Canceller, not the Reader: the watcher thread may still be running this action while
  // the command's thread closes and destroys the reader (reader.h's contract).
  session->interrupt.on_interrupt(
      [canceller = session->reader->canceller()](int) { canceller.cancel(); });
  exit_code = kExitOk;
  return session;
}

}  // namespace idr::tool
