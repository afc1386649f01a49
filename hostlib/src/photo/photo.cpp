// Photo decoders and image encoders (photo.h).
#include "idr/photo.h"

#include <dlfcn.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

namespace idr {
namespace {

void be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void le(std::vector<uint8_t>& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// One PNG chunk: length, type, data, CRC-32 over type and data (PNG spec 5.3).
void chunk(std::vector<uint8_t>& png, const char type[4], const std::vector<uint8_t>& data) {
  be32(png, static_cast<uint32_t>(data.size()));
  const size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  be32(png,
       static_cast<uint32_t>(crc32(0, png.data() + start, static_cast<uInt>(png.size() - start))));
}

}  // namespace

Result<Image> OpenCodecDecoder::decode(const uint8_t* data, size_t len) const {
  if (!data || len < 6 || std::memcmp(data, "IDRG", 4) != 0) return Error::MalformedReply;
  Image img;
  img.width = data[4];
  img.height = data[5];
  img.channels = 1;
  const size_t n = static_cast<size_t>(img.width) * img.height;
  if (n == 0 || 6 + n > len) return Error::MalformedReply;
  img.pixels.assign(data + 6, data + 6 + n);
  return img;
}

Result<std::unique_ptr<WltLibraryDecoder>> WltLibraryDecoder::load(const std::string& library,
                                                                   const std::string& symbol,
                                                                   std::string* why) {
  if (library.empty() || library[0] != '/') {
    if (why) *why = "WLT decoder library '" + library + "' is not an absolute path";
    return Error::InvalidArgument;
  }
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    if (why) *why = "WLT decoder library not available: " + std::string(::dlerror());
    return Error::Unsupported;
  }
  void* sym = ::dlsym(handle, symbol.c_str());
  if (!sym) {
    if (why) *why = "WLT decoder library " + library + " has no symbol " + symbol;
    ::dlclose(handle);
    return Error::Unsupported;
  }
  UnpackFn fn;
  static_assert(sizeof fn == sizeof sym, "function and data pointers differ");
  std::memcpy(&fn, &sym, sizeof fn);  // POSIX: dlsym results may be used as function pointers
  return std::unique_ptr<WltLibraryDecoder>(new WltLibraryDecoder(handle, fn));
}

WltLibraryDecoder::~WltLibraryDecoder() {
  ::dlclose(handle_);
}

Result<Image> WltLibraryDecoder::decode(const uint8_t* data, size_t len) const {
  if (!data || len != 1024) return Error::InvalidArgument;
  std::vector<char> in(data, data + len), out(kWidth * kHeight * 3 + 4096);  // slack: unknown code
  if (fn_(in.data(), out.data(), 0) != 1) return Error::MalformedReply;
  Image img{kWidth, kHeight, 3, std::vector<uint8_t>(kWidth * kHeight * 3)};
  for (uint32_t y = 0; y < kHeight; ++y)
    for (uint32_t x = 0; x < kWidth; ++x)
      for (uint32_t c = 0; c < 3; ++c)  // BGR bottom-up -> RGB top-down
        img.pixels[(y * kWidth + x) * 3 + c] =
            static_cast<uint8_t>(out[((kHeight - 1 - y) * kWidth + x) * 3 + (2 - c)]);
  return img;
}

Result<Image> decode_photo(const uint8_t* data, size_t len, const PhotoDecoder* wlt) {
  if (data && len >= 4 && std::memcmp(data, "IDRG", 4) == 0)
    return OpenCodecDecoder{}.decode(data, len);
  if (wlt) return wlt->decode(data, len);
  return Error::Unsupported;
}

std::vector<uint8_t> encode_png(const Image& img) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  be32(ihdr, img.width);
  be32(ihdr, img.height);
  ihdr.push_back(8);                          // bit depth
  ihdr.push_back(img.channels == 3 ? 2 : 0);  // colour type: 2 RGB, 0 grey
  ihdr.insert(ihdr.end(), {0, 0, 0});         // deflate, adaptive filtering, no interlace
  chunk(png, "IHDR", ihdr);
  // Scanlines with filter type 0 (None), then zlib.
  const size_t row = static_cast<size_t>(img.width) * img.channels;
  std::vector<uint8_t> raw;
  raw.reserve((row + 1) * img.height);
  for (uint32_t y = 0; y < img.height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), img.pixels.begin() + static_cast<std::ptrdiff_t>(y * row),
               img.pixels.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> idat(size);
  compress2(idat.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 9);
  idat.resize(size);
  chunk(png, "IDAT", idat);
  chunk(png, "IEND", {});
  return png;
}

std::vector<uint8_t> encode_bmp(const Image& img) {
  const uint32_t stride = (img.width * 3 + 3) & ~3u;  // rows padded to 4 bytes
  const uint32_t data_size = stride * img.height;
  std::vector<uint8_t> bmp = {'B', 'M'};
  le(bmp, 54 + data_size, 4);
  le(bmp, 0, 4);
  le(bmp, 54, 4);  // pixel data offset
  le(bmp, 40, 4);  // BITMAPINFOHEADER
  le(bmp, img.width, 4);
  le(bmp, img.height, 4);  // positive: bottom-up
  le(bmp, 1, 2);
  le(bmp, 24, 2);
  le(bmp, 0, 4);
  le(bmp, data_size, 4);
  le(bmp, 2835, 4);  // 72 dpi
  le(bmp, 2835, 4);
  le(bmp, 0, 4);
  le(bmp, 0, 4);
  for (uint32_t yy = 0; yy < img.height; ++yy) {
    const uint32_t y = img.height - 1 - yy;
    for (uint32_t x = 0; x < img.width; ++x) {
      const uint8_t* p = &img.pixels[(static_cast<size_t>(y) * img.width + x) * img.channels];
      const uint8_t r = p[0], g = img.channels == 3 ? p[1] : p[0],
                    b = img.channels == 3 ? p[2] : p[0];
      bmp.insert(bmp.end(), {b, g, r});
    }
    bmp.insert(bmp.end(), stride - img.width * 3, 0);
  }
  return bmp;
}

Result<void> write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) return Error::Io;
  return {};
}

}  // namespace idr
