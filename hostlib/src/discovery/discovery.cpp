// list_readers(): each transport's list, in a fixed order. The usb and pcsc lists are
// weak empty definitions here; those transports' own files define the real ones, which
// replace these at link time (idr/discovery.h), so a build without them still links.
#include "idr/discovery.h"

namespace idr {

__attribute__((weak)) Result<std::vector<ReaderInfo>> list_usb_readers() {
  return std::vector<ReaderInfo>{};
}

__attribute__((weak)) Result<std::vector<ReaderInfo>> list_pcsc_readers() {
  return std::vector<ReaderInfo>{};
}

Result<std::vector<ReaderInfo>> list_readers() {
  using Lister = Result<std::vector<ReaderInfo>> (*)();
  const Lister listers[] = {list_tcp_readers, list_serial_readers, list_usb_readers,
                            list_pcsc_readers};
  std::vector<ReaderInfo> all;
  for (Lister list : listers) {
    auto found = list();
    if (!found) continue;  // that transport is not reachable now (header comment)
    for (auto& r : *found) all.push_back(std::move(r));
  }
  return all;
}

}  // namespace idr
