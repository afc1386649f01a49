// idr list: every reader found on every transport (idr/discovery.h), one per line:
// URI, transport, description. Nothing is opened.
#include <iostream>

#include "cli.h"
#include "commands.h"
#include "idr/discovery.h"
#include "output.h"

namespace idr::tool {

namespace {

int run_list(bool json) {
  const auto readers = list_readers();
  if (!readers) {
    std::cerr << "idr list: " << message(readers.error()) << "\n";
    return kExitUnreachable;
  }
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : *readers)
      all.push_back({{"uri", r.uri}, {"transport", r.transport}, {"description", r.description}});
    std::cout << to_text(all) << std::endl;
    return kExitOk;
  }
  if (readers->empty()) std::cout << "no readers found\n";
  for (const auto& r : *readers)
    std::cout << r.uri << "\t" << r.transport << "\t" << r.description << "\n";
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace

Command add_list(CLI::App& idr) {
  auto json = std::make_shared<bool>(false);
  CLI::App* app = add_command(
      idr, "list", "every reader found on every transport (tcp, serial, usb, pcsc)",
      "Lists the readers this machine can reach, as URIs for --reader:\n"
      "  tcp      $IDR_READER when it is a tcp:// URI (nothing to enumerate)\n"
      "  serial   /dev/ttyUSB*, /dev/ttyACM*, $IDR_SERIAL_READERS (paths or serial: URIs,\n"
      "           separated by ',' or spaces), $IDR_READER when it is a serial: URI\n"
      "  usb      USB devices with the reader's VID 0x1209 and PID 0x0001 (libusb\n"
      "           enumeration), as usb:BUS:ADDR?serial=X\n"
      "  pcsc     PC/SC readers (pcscd) holding a card with the reader application's ATR,\n"
      "           as pcsc:READER NAME; other cards and empty slots are not listed\n"
      "A transport this build lacks, or whose service is not there, lists nothing.\n"
      "Serial ports are listed by name: a listed port may have no reader behind it.\n");
  app->add_flag("--json", *json, "JSON output: [{\"uri\", \"transport\", \"description\"}, ...]");
  return {app, [json](const std::optional<Words>&) { return run_list(*json); }};
}

}  // namespace idr::tool
