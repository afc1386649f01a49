#pragma once
// The hook through which the legacy command set hands extension commands (CMD 0xE0,
// protocol/include/idr/proto/extension.h) to whoever implements them. Without a
// handler every extension command answers SW3 0x21, as before.
#include <cstddef>
#include <cstdint>

#include "idr/proto/hostlink.h"

namespace idr::core {

class ExtensionHandler {
 public:
  // Builds the whole reply frame to `req` (req.command == hostlink::cmd::kExtension) into
  // out[0..cap); returns its size (0 only when not even a bare status reply fits).
  [[nodiscard]] virtual size_t handle_extension(const hostlink::Request& req, uint8_t* out,
                                                size_t cap) = 0;

 protected:
  ~ExtensionHandler() = default;
};

}  // namespace idr::core
