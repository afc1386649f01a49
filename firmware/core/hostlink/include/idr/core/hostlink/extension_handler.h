#pragma once
// The hook through which the legacy command set hands extension commands (CMD 0xE0,
// protocol/include/idr/proto/extension.h) to whoever implements them. Without a
// handler every extension command answers SW3 0x21, as before.
#include <cstddef>
#include <cstdint>

#include "idr/core/hostlink/card_buffers.h"
#include "idr/core/hostlink/reply_writer.h"
#include "idr/proto/hostlink.h"

namespace idr::core {

class ExtensionHandler {
 public:
  // Answers `req` (req.command == hostlink::cmd::kExtension) through `reply`: builds the
  // whole frame in reply.buffer() and returns its size (0 only when not even a bare status
  // reply fits), or streams it (reply.begin ... reply.end()) and returns kReplyStreamed.
  // `cards` is scratch for the card's files during this call.
  [[nodiscard]] virtual size_t handle_extension(const hostlink::Request& req, ReplyWriter& reply,
                                                CardBuffers& cards) = 0;

 protected:
  ~ExtensionHandler() = default;
};

}  // namespace idr::core
