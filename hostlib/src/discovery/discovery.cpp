// list_readers(): each transport's list, in a fixed order (idr/discovery.h). The usb and
// pcsc lists are defined by those transports (hostlib/src/usb, hostlib/src/pcsc); a build
// configured without one of them gets the explicit Unsupported error here instead.
#include "idr/discovery.h"

namespace idr {

#ifndef IDR_HAVE_LIBUSB
Result<std::vector<ReaderInfo>> list_usb_readers() {
  return Error::Unsupported;  // this build has no usb: transport (libusb-1.0 was not found)
}
#endif

#ifndef IDR_HAVE_PCSC
Result<std::vector<ReaderInfo>> list_pcsc_readers() {
  return Error::Unsupported;  // this build has no pcsc: transport (pcsc-lite was not found)
}
#endif

Result<std::vector<ReaderInfo>> list_readers() {
  using Lister = Result<std::vector<ReaderInfo>> (*)();
  const Lister listers[] = {list_tcp_readers, list_serial_readers, list_usb_readers,
                            list_pcsc_readers};
  std::vector<ReaderInfo> all;
  for (Lister list : listers) {
    auto found = list();
    if (!found) continue;  // that transport is not built or not reachable now (header)
    for (auto& r : *found) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace idr
