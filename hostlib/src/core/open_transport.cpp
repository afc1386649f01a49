// URI -> transport. New schemes (usb, pcsc) plug in here.
#include "fd_transport.h"
#ifdef IDR_HAVE_LIBUSB
#include "../usb/usb_transport.h"
#endif
#ifdef IDR_HAVE_PCSC
#include "../pcsc/pcsc_transport.h"
#endif

namespace idr {

Result<std::unique_ptr<Transport>> open_transport(const std::string& uri) {
  const std::string tcp = "tcp://";
  const std::string serial = "serial:";
  if (uri.compare(0, tcp.size(), tcp) == 0) return detail::open_tcp(uri.substr(tcp.size()));
  if (uri.compare(0, serial.size(), serial) == 0)
    return detail::open_serial(uri.substr(serial.size()));
#ifdef IDR_HAVE_LIBUSB
  if (uri.compare(0, 4, "usb:") == 0) return detail::open_usb(uri.substr(4));  // hostlib/src/usb
#endif
#ifdef IDR_HAVE_PCSC
  if (uri.compare(0, 5, "pcsc:") == 0) return detail::open_pcsc(uri.substr(5));  // src/pcsc
#endif
  if (uri.find(':') == std::string::npos) return Error::InvalidArgument;
  return Error::Unsupported;
}

}  // namespace idr
