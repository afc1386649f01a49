// The host library's reply path (hostlib/src/core): idr::Reader over a scripted transport
// (tests/support idr/testing/scripted_transport.h) whose replies come from the input,
// delivered in pieces of the size the input picks, for a sequence of up to 16 host commands
// (reader_ops.h: every public read path, provisioning plain and authorised, cancel, close).
// Each must give a result or a defined error, also when library calls fail
// (failure_injection.h).
#include <chrono>
#include <deque>
#include <memory>
#include <new>
#include <vector>

#include "failure_injection.h"
#include "fuzz_input.h"
#include "idr/testing/scripted_transport.h"
#include "reader_ops.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  const size_t piece = 1 + in.u8();
  std::vector<idr::fuzz::ReaderOp> ops(in.u8() % 17);
  for (auto& op : ops) op = {in.u8(), in.u8()};
  std::deque<idr::testing::Bytes> replies;
  while (!in.empty() && replies.size() < 64) replies.push_back(in.chunk());
  idr::ReaderOptions options;
  options.command_timeout = std::chrono::milliseconds(100);
  options.poll_interval = std::chrono::milliseconds(0);
  idr::fuzz::OpHost host;
  host.chain = [](const idr::ProvisionedKey*) {
    return std::vector<idr::Bytes>{idr::Bytes(40, 0x30), idr::Bytes(30, 0x31)};
  };
  host.authorize = [](const idr::ReadNonce&, idr::AuthorizedOp, const idr::Bytes&) {
    return idr::Authorization{};
  };
  idr::fuzz::FailureInjection failures(data, size);
  try {
    idr::Reader reader = idr::Reader::over(
        std::make_unique<idr::testing::ScriptedTransport>(std::move(replies), piece), options);
    for (const auto op : ops) idr::fuzz::run_op(reader, op, host);
  } catch (const std::bad_alloc&) {
    // An injected allocation failure: allowed to surface from the C++ API.
  }
  return 0;
}
