// C API for photos (idr_checks.h): the open codec, or the WLT library at the absolute path
// the application gives in idr_photo_config (never from the environment).
#include <new>

#include "idr/idr_checks.h"
#include "idr/photo.h"

namespace {

int write_photo(const uint8_t* photo, size_t len, const char* path, const idr_photo_config* config,
                bool png) {
  if (!photo || !path) return IDR_E_INVALID_ARGUMENT;
  if (config != nullptr && config->struct_size != sizeof(idr_photo_config))
    return IDR_E_INVALID_ARGUMENT;
  try {
    std::unique_ptr<idr::WltLibraryDecoder> wlt;
    if (config != nullptr && config->wlt_library != nullptr) {
      auto loaded = idr::WltLibraryDecoder::load(
          config->wlt_library, config->wlt_symbol != nullptr ? config->wlt_symbol : "unpack");
      if (!loaded) return static_cast<int>(loaded.error());
      wlt = std::move(loaded).value();
    }
    auto img = idr::decode_photo(photo, len, wlt.get());
    if (!img) return static_cast<int>(img.error());
    return static_cast<int>(
        idr::write_file(path, png ? idr::encode_png(*img) : idr::encode_bmp(*img)).error());
  } catch (const std::bad_alloc&) {
    return IDR_E_NO_MEMORY;
  }
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
