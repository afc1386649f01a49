// PC/SC envelope (idr/proto/pcsc_envelope.h): any APDU either opens to exactly one complete
// request frame inside it, or gets a status word; an opened envelope rebuilds to the same
// bytes.
#include <cstdlib>
#include <vector>

#include "idr/proto/pcsc_envelope.h"

namespace pcsc = idr::proto::pcsc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* frame = nullptr;
  size_t frame_len = 0;
  const uint16_t sw = pcsc::open_envelope(data, size, frame, frame_len);
  if (sw != pcsc::kSwOk) {
    if (frame != nullptr || frame_len != 0) abort();  // a refused envelope names no frame
    return 0;
  }
  if (frame < data || frame + frame_len > data + size) abort();
  if (pcsc::frame_size(frame, frame_len) != frame_len) abort();
  std::vector<uint8_t> again(pcsc::kMaxCommand);
  const size_t n = pcsc::build_envelope(frame, frame_len, again.data(), again.size());
  if (n != size || !std::equal(again.begin(), again.begin() + static_cast<long>(n), data)) abort();
  return 0;
}
