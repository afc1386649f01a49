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
  Reader* reader = session->reader.get();
  session->interrupt.on_interrupt([reader](int) { reader->cancel(); });
  exit_code = kExitOk;
  return session;
}

}  // namespace idr::tool
