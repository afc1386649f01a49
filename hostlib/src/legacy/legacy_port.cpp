// LegacyPort over the library's own legacy client (src/core/legacy_protocol.h): the same
// framing, stale-input and late-reply handling as idr::Reader, without its interpretation.
#include "idr/legacy_port.h"

#include "../core/legacy_protocol.h"

namespace idr {

struct LegacyPort::Impl {
  Impl(std::unique_ptr<Transport> t, std::chrono::milliseconds b)
      : transport(std::move(t)), budget(b), link(*transport) {}
  std::unique_ptr<Transport> transport;
  std::chrono::milliseconds budget;
  detail::LegacyLink link;
};

LegacyPort::LegacyPort(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LegacyPort::LegacyPort(LegacyPort&&) noexcept = default;
LegacyPort& LegacyPort::operator=(LegacyPort&&) noexcept = default;
LegacyPort::~LegacyPort() = default;

Result<LegacyPort> LegacyPort::open(const std::string& uri,
                                    std::chrono::milliseconds reply_budget) {
  auto t = open_transport(uri);
  if (!t) return t.error();
  return over(std::move(t).value(), reply_budget);
}

LegacyPort LegacyPort::over(std::unique_ptr<Transport> transport,
                            std::chrono::milliseconds reply_budget) {
  return LegacyPort(std::make_unique<Impl>(std::move(transport), reply_budget));
}

Result<LegacyReply> LegacyPort::command(uint8_t cmd, uint8_t para,
                                        const std::vector<uint8_t>& data) {
  auto r = impl_->link.transact(cmd, para, data.empty() ? nullptr : data.data(), data.size(),
                                impl_->budget);
  if (!r) return r.error();
  LegacyReply out;
  out.sw1 = r->sw1;
  out.sw2 = r->sw2;
  out.sw3 = r->sw3;
  out.data = std::move(r->data);
  return out;
}

std::string LegacyPort::describe() const {
  return impl_->transport->describe();
}

}  // namespace idr
