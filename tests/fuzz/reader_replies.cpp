// The host library's reply path (hostlib/src/core): idr::Reader over a scripted transport
// (tests/hostlib/scripted_transport.h) whose replies come from the input, delivered in
// pieces of the size the input picks, for a sequence of commands: find, select + read,
// SAM id, device info, certificate chain, read signed, counter, self-test. Each must give a
// result or a defined error, also when library calls fail (failure_injection.h).
#include <chrono>
#include <deque>
#include <memory>
#include <new>

#include "failure_injection.h"
#include "fuzz_input.h"
#include "idr/reader.h"
#include "scripted_transport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  idr::fuzz::Input in(data, size);
  const size_t piece = 1 + in.u8();
  uint8_t ops[4];
  for (auto& op : ops) op = in.u8();
  std::deque<idr::test::Bytes> replies;
  while (!in.empty() && replies.size() < 64) replies.push_back(in.chunk());
  idr::ReaderOptions options;
  options.command_timeout = std::chrono::milliseconds(100);
  options.poll_interval = std::chrono::milliseconds(0);
  idr::Reader reader = idr::Reader::over(
      std::make_unique<idr::test::ScriptedTransport>(std::move(replies), piece), options);
  idr::fuzz::FailureInjection failures(data, size);
  try {
    for (const uint8_t op : ops) {
      switch (op % 10) {
        case 0:
          (void)reader.status();
          break;
        case 1:
          (void)reader.sam_id();
          break;
        case 2:
          (void)reader.find_card();
          break;
        case 3:
          (void)reader.read_card(op >> 4);
          break;
        case 4:
          (void)reader.device_info();
          break;
        case 5:
          (void)reader.cert_chain();
          break;
        case 6:
          (void)reader.read_signed(idr::ReadNonce{}, op >> 4);
          break;
        case 7:
          (void)reader.counter();
          break;
        case 8:
          (void)reader.self_test();
          break;
        default:
          (void)reader.provision_key(idr::ReadNonce{});
          break;
      }
    }
  } catch (const std::bad_alloc&) {
    // An injected allocation failure: allowed to surface from the C++ API.
  }
  return 0;
}
