// idr sam-id: the SAM id in SDT's string form (DESIGN 8: %02d.%02d-%08u-%010u-%010u).
#include <iostream>
#include <memory>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "reader_session.h"

namespace idr::tool {

namespace {

struct SamIdOptions {
  std::string reader;
  bool json = false;
};

int run_sam_id(const SamIdOptions& o) {
  int code = kExitOk;
  const auto session = open_session("sam-id", o.reader, code);
  if (!session) return code;

  const Result<SamId> sam = session->reader->sam_id();
  if (!sam) return report("sam-id", "SAM id", sam.error());
  if (o.json)
    std::cout << to_text(sam_json(*sam)) << std::endl;
  else
    std::cout << sam->text << std::endl;
  return kExitOk;
}

}  // namespace

Command add_sam_id(CLI::App& idr) {
  auto o = std::make_shared<SamIdOptions>();
  CLI::App* app = add_command(
      idr, "sam-id", "the reader's SAM id (SDT string form)",
      "Prints the reader's SAM id in the string form of the de-facto SDK (SDT_GetSAMIDToStr),\n"
      "e.g. 05.01-20101126-0017612485-0112360513; --json adds the 16 raw bytes in hex.\n");
  add_reader_option(*app, o->reader);
  app->add_flag("--json", o->json, "JSON output");
  return {app, [o](const std::optional<Words>&) { return run_sam_id(*o); }};
}

}  // namespace idr::tool
