#pragma once
// Card photos: a decoder interface (bytes -> image), the simulator's open codec, PNG and BMP
// writers, and a loader for a vendor WLT decoder library at an absolute path (dlopen).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "idr/error.h"

namespace idr {

struct Image {
  uint32_t width = 0, height = 0;
  uint32_t channels = 1;        // 1 = grey, 3 = RGB
  std::vector<uint8_t> pixels;  // row-major, top row first, width * height * channels
};

class PhotoDecoder {
 public:
  virtual ~PhotoDecoder() = default;
  [[nodiscard]] virtual const char* name() const = 0;
  // MalformedReply when the bytes are not this codec's; Unsupported when it cannot decode.
  [[nodiscard]] virtual Result<Image> decode(const uint8_t* data, size_t len) const = 0;
};

// The simulator's open codec (hw-sim/scenarios/README.md): "IDRG" | width u8 | height u8 |
// width * height grey pixels, row-major, zero padding.
class OpenCodecDecoder final : public PhotoDecoder {
 public:
  [[nodiscard]] const char* name() const override { return "idr-open-codec"; }
  [[nodiscard]] Result<Image> decode(const uint8_t* data, size_t len) const override;
};

// A vendor WLT decoder in a shared library. ASSUMPTION (no public specification): the
// library exports `int unpack(const char* wlt1024, char* out, int save_bmp)` (the symbol name
// is configurable) that fills `out` with 102 x 126 pixels, 3 bytes each (B, G, R), rows bottom
// up, and returns 1 on success - the shape of the Linux decoders shipped with common reader
// SDKs. Absent library or symbol: Unsupported, with the dlerror text in *why. The library is
// loaded only from an absolute path the application gives (DESIGN 11: no environment
// variable, no loader search path, which would let whoever controls them run code in the
// verifier); a relative path is InvalidArgument.
class WltLibraryDecoder final : public PhotoDecoder {
 public:
  static constexpr uint32_t kWidth = 102, kHeight = 126;
  [[nodiscard]] static Result<std::unique_ptr<WltLibraryDecoder>> load(
      const std::string& library, const std::string& symbol = "unpack", std::string* why = nullptr);
  ~WltLibraryDecoder() override;
  [[nodiscard]] const char* name() const override { return "wlt-library"; }
  [[nodiscard]] Result<Image> decode(const uint8_t* data, size_t len) const override;

 private:
  using UnpackFn = int (*)(const char*, char*, int);
  WltLibraryDecoder(void* handle, UnpackFn fn) : handle_(handle), fn_(fn) {}
  void* handle_;
  UnpackFn fn_;
};

// The open codec when the bytes start with "IDRG", else `wlt` when given, else Unsupported.
[[nodiscard]] Result<Image> decode_photo(const uint8_t* data, size_t len,
                                         const PhotoDecoder* wlt = nullptr);

// PNG (8-bit grey or RGB, zlib-compressed IDAT) and BMP (24-bit, bottom-up) encoders.
[[nodiscard]] std::vector<uint8_t> encode_png(const Image& image);
[[nodiscard]] std::vector<uint8_t> encode_bmp(const Image& image);
// Writes the bytes to path (Io on failure).
[[nodiscard]] Result<void> write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace idr
