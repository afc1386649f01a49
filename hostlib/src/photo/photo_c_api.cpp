// C API for photos (idr_checks.h): the open codec, or the WLT library at the absolute path
// the application gives in idr_photo_config (never from the environment).
#include "../core/c_boundary.h"
#include "idr/idr_checks.h"
#include "idr/photo.h"

namespace {

int write_photo(const uint8_t* photo, size_t len, const char* path, const idr_photo_config* config,
                bool png) {
  if (!photo || !path) return IDR_E_INVALID_ARGUMENT;
  if (config != nullptr && config->struct_size != sizeof(idr_photo_config))
    return IDR_E_INVALID_ARGUMENT;
  return idr::detail::guarded([&]() -> int {
    std::unique_ptr<idr::WltLibraryDecoder> wlt;
    if (config != nullptr && config->wlt_library != nullptr) {
      auto loaded = idr::WltLibraryDecoder::load(
          config->wlt_library, config->wlt_symbol != nullptr ? config->wlt_symbol : "unpack");
      if (!loaded) return idr::detail::code(loaded.error());
      wlt = std::move(loaded).value();
    }
    auto img = idr::decode_photo(photo, len, wlt.get());
    if (!img) return idr::detail::code(img.error());
    return idr::detail::code(
        idr::write_file(path, png ? idr::encode_png(*img) : idr::encode_bmp(*img)).error());
  });
}

}  // namespace

extern "C" {
int idr_photo_write_png(const uint8_t* photo, size_t len, const char* path,
                        const idr_photo_config* config) {
  return write_photo(photo, len, path, config, true);
}
int idr_photo_write_bmp(const uint8_t* photo, size_t len, const char* path,
                        const idr_photo_config* config) {
  return write_photo(photo, len, path, config, false);
}
}
