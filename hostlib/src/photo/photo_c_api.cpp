// C API for photos (idr_checks.h): open codec, or the WLT library named by IDR_WLT_LIBRARY.
#include <cstdlib>
#include <new>

#include "idr/idr_checks.h"
#include "idr/photo.h"

namespace {

int write_photo(const uint8_t* photo, size_t len, const char* path, bool png) {
  if (!photo || !path) return IDR_E_INVALID_ARGUMENT;
  try {
    std::unique_ptr<idr::WltLibraryDecoder> wlt;
    if (const char* lib = std::getenv("IDR_WLT_LIBRARY")) {
      auto loaded = idr::WltLibraryDecoder::load(lib);
      if (loaded) wlt = std::move(loaded).value();
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
int idr_photo_write_png(const uint8_t* photo, size_t len, const char* path) {
  return write_photo(photo, len, path, true);
}
int idr_photo_write_bmp(const uint8_t* photo, size_t len, const char* path) {
  return write_photo(photo, len, path, false);
}
}
