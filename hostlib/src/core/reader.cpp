// idr::Reader: the legacy command sequence behind find/read/wait, serialised by a mutex;
// cancel() goes through the shared cancel state (reader_impl.h): a flag, the transport's
// wake-up and a condition variable, so it never waits behind a command in progress, and
// close() detaches the transport from it before destroying it.
#include "idr/reader.h"

#include "reader_impl.h"

namespace idr {

namespace {
bool valid_fields(unsigned fields) {
  return fields != 0 && (fields & ~unsigned{kAll}) == 0;
}
}  // namespace

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

Result<Reader> Reader::open(const std::string& uri, ReaderOptions options) {
  if (options.command_timeout.count() <= 0 || options.poll_interval.count() < 0)
    return Error::InvalidArgument;
  auto t = open_transport(uri);
  if (!t) return t.error();
  return over(std::move(t).value(), options);
}

Reader Reader::over(std::unique_ptr<Transport> transport, ReaderOptions options) {
  return Reader(std::make_unique<Impl>(std::move(transport), options));
}

Result<void> Reader::status() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = impl_->command(hl::cmd::kStatus, hl::para::kNone);
  if (!r) return r.error();
  return detail::parse_plain_ok(*r);
}

Result<void> Reader::reset() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = impl_->command(hl::cmd::kReset, hl::para::kNone);
  if (!r) return r.error();
  return detail::parse_plain_ok(*r);
}

Result<SamId> Reader::sam_id() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto r = impl_->command(hl::cmd::kSamId, hl::para::kNone);
  if (!r) return r.error();
  return detail::parse_sam_id(*r);
}

Result<bool> Reader::find_card() {
  if (!impl_) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->find_locked();
}

Result<CardData> Reader::read_card(unsigned fields) {
  if (!impl_ || !valid_fields(fields)) return Error::InvalidArgument;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->read_locked(fields);
}

Result<CardData> Reader::wait_for_card(std::chrono::milliseconds timeout, unsigned fields) {
  if (!impl_ || !valid_fields(fields) || timeout.count() < 0) return Error::InvalidArgument;
  return impl_->wait_and_read(timeout, Error::Timeout, [&] { return impl_->read_locked(fields); });
}

Result<Bytes> Reader::wait_for_signed(const ReadNonce& nonce, std::chrono::milliseconds timeout,
                                      unsigned fields) {
  if (!impl_ || !valid_fields(fields) || timeout.count() < 0) return Error::InvalidArgument;
  return impl_->wait_and_read(timeout, Error::NoCard,
                              [&] { return impl_->read_signed_locked(nonce, fields); });
}

void Reader::cancel() {
  if (impl_) impl_->cancel->cancel();
}

void Reader::reset_cancel() {
  if (impl_) impl_->cancel->reset_cancel();
}

Reader::Canceller Reader::canceller() const {
  return impl_ ? Canceller(impl_->cancel) : Canceller();
}

void Reader::close() {
  if (!impl_) return;
  impl_->cancel->cancel();                         // the call in progress returns promptly...
  std::lock_guard<std::mutex> lock(impl_->mutex);  // ...and this waits for it
  impl_->close_locked();
}

Reader::Canceller::Canceller(std::shared_ptr<State> state) : state_(std::move(state)) {}

void Reader::Canceller::cancel() const {
  if (state_) state_->cancel();
}

std::string Reader::describe() const {
  return impl_ ? impl_->description : "(moved-from reader)";
}

}  // namespace idr
