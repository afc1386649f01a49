#pragma once
// The pcsc: transport (DESIGN 4, pcsc): host-link frames in envelope APDUs
// (idr/proto/pcsc_envelope.h) through pcsc-lite to the reader application seen as a card.
#include <memory>
#include <string>

#include "idr/transport.h"

namespace idr::detail {

// "" = the first reader whose card answers with the reader application's ATR; otherwise
// the reader of that exact name. TransportOpen when pcscd is not running, no such reader
// exists, or its card is absent or not ours.
Result<std::unique_ptr<Transport>> open_pcsc(const std::string& reader_name);

}  // namespace idr::detail
