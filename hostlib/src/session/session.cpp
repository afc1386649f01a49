// Session: a Reader and a Policy; each read is Reader::wait_for_signed (the reader's one
// find loop) with a fresh nonce, then Decision::Access::decide.
#include <thread>

#include "decide.h"
#include "idr/ca.h"

namespace idr {

struct Session::Impl {
  Impl(std::optional<Reader> own, Reader& use, Policy p)
      : owned(std::move(own)), reader(owned ? &*owned : &use), policy(std::move(p)) {}
  std::optional<Reader> owned;  // empty for attach(): the caller owns the reader
  Reader* reader;
  Policy policy;

  Result<Decision> read(unsigned fields, std::optional<std::chrono::milliseconds> wait) {
    // Fresh for this read only: the record must carry it (DESIGN 5, 11).
    const Result<ReadNonce> nonce = ca::random_nonce();
    if (!nonce) return nonce.error();
    Result<Bytes> file =
        wait ? reader->wait_for_signed(*nonce, *wait, fields) : reader->read_signed(*nonce, fields);
    if (!file) return file.error();
    return Decision::Access::decide(std::move(file).value(), *nonce, policy, true);
  }
};

namespace {

// How long one wait inside watch lasts; it simply starts again (cancel ends it at once).
constexpr std::chrono::milliseconds kWatchSlice{60'000};

}  // namespace

bool ends_watch(Error e) {
  switch (e) {
    case Error::TransportOpen:
    case Error::TransportClosed:
    case Error::Timeout:
    case Error::Io:
    case Error::Cancelled:
    case Error::InvalidArgument:
    case Error::Unsupported:
      return true;
    default:
      return false;
  }
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::open(const std::string& reader_uri, Policy policy, ReaderOptions options) {
  Result<Reader> reader = Reader::open(reader_uri, options);
  if (!reader) return reader.error();
  return over(std::move(reader).value(), std::move(policy));
}

Session Session::over(Reader reader, Policy policy) {
  std::optional<Reader> own(std::move(reader));
  Reader& use = *own;
  return Session(std::make_unique<Impl>(std::move(own), use, std::move(policy)));
}

Session Session::attach(Reader& reader, Policy policy) {
  return Session(std::make_unique<Impl>(std::nullopt, reader, std::move(policy)));
}

Result<Decision> Session::read_verified(unsigned fields, std::chrono::milliseconds wait) {
  if (wait.count() < 0) return Error::InvalidArgument;
  return impl_->read(fields, wait);
}

Result<Decision> Session::read_found(unsigned fields) {
  return impl_->read(fields, std::nullopt);
}

Result<void> Session::watch(unsigned fields,
                            const std::function<bool(const Presentation&)>& on_presentation) {
  if (!on_presentation) return Error::InvalidArgument;
  for (;;) {  // ends when the handler says so, on a link error or on cancel
    Presentation p = impl_->read(fields, kWatchSlice);
    if (!p && p.error() == Error::NoCard) continue;  // nobody came in this slice
    if (!p && ends_watch(p.error())) return p.error();
    if (!on_presentation(p)) return {};
    // After a failed read the card is no longer idle, so find answers "none" until it
    // returns; a reader that fails every find must not be polled in a tight loop.
    if (!p) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Session::cancel() {
  impl_->reader->cancel();
}

void Session::reset_cancel() {
  impl_->reader->reset_cancel();
}

Reader::Canceller Session::canceller() const {
  return impl_->reader->canceller();
}

Reader& Session::reader() {
  return *impl_->reader;
}

Policy& Session::policy() {
  return impl_->policy;
}

}  // namespace idr
