// Photo: the simulator's generated open-codec photo decoded and written as PNG; the PNG is
// read back independently (signature, IHDR, chunk CRCs, zlib inflate, pixels).
// BMP header layout; an absent WLT library is a clean Unsupported error.
#include <dlfcn.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "idr/idr_checks.h"
#include "idr/photo.h"
#include "idr/sim/scenario.h"

namespace {

uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[3]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[1]) << 8 | p[0];
}

}  // namespace

TEST_CASE("the generated photo decodes and round-trips through PNG") {
  const auto photo = idr::sim::generated_photo("zhang-wei");
  auto img = idr::decode_photo(photo.data(), photo.size());
  REQUIRE(img);
  CHECK(img->width == photo[4]);
  CHECK(img->height == photo[5]);
  REQUIRE(img->pixels.size() == static_cast<size_t>(photo[4]) * photo[5]);
  CHECK(std::equal(img->pixels.begin(), img->pixels.end(), photo.begin() + 6));

  const auto png = idr::encode_png(*img);
  // PNG spec 5.2: signature 89 50 4E 47 0D 0A 1A 0A; then chunks: length, type, data, CRC.
  const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  REQUIRE(png.size() > 8);
  CHECK(std::memcmp(png.data(), sig, 8) == 0);
  size_t pos = 8;
  std::vector<std::string> types;
  std::vector<uint8_t> idat;
  while (pos + 12 <= png.size()) {
    const uint32_t len = be32(&png[pos]);
    const std::string type(png.begin() + static_cast<long>(pos) + 4,
                           png.begin() + static_cast<long>(pos) + 8);
    REQUIRE(pos + 12 + len <= png.size());
    const uint32_t crc = static_cast<uint32_t>(crc32(0, &png[pos + 4], len + 4));
    CHECK(crc == be32(&png[pos + 8 + len]));
    if (type == "IHDR") {
      REQUIRE(len == 13);
      CHECK(be32(&png[pos + 8]) == img->width);
      CHECK(be32(&png[pos + 12]) == img->height);
      CHECK(png[pos + 16] == 8);  // bit depth
      CHECK(png[pos + 17] == 0);  // greyscale
    }
    if (type == "IDAT") idat.insert(idat.end(), &png[pos + 8], &png[pos + 8] + len);
    types.push_back(type);
    pos += 12 + len;
  }
  CHECK(pos == png.size());
  CHECK(types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
  std::vector<uint8_t> raw((img->width + 1) * img->height);
  uLongf raw_len = static_cast<uLongf>(raw.size());
  REQUIRE(uncompress(raw.data(), &raw_len, idat.data(), static_cast<uLong>(idat.size())) == Z_OK);
  REQUIRE(raw_len == raw.size());
  for (uint32_t y = 0; y < img->height; ++y) {
    CHECK(raw[y * (img->width + 1)] == 0);  // filter None
    CHECK(std::memcmp(&raw[y * (img->width + 1) + 1], &photo[6 + y * img->width], img->width) == 0);
  }
}

TEST_CASE("BMP: 24-bit bottom-up rows padded to 4 bytes") {
  idr::Image img{3, 2, 1, {10, 20, 30, 40, 50, 60}};
  const auto bmp = idr::encode_bmp(img);
  REQUIRE(bmp.size() == 54 + 2 * 12);
  CHECK(bmp[0] == 'B');
  CHECK(bmp[1] == 'M');
  CHECK(le32(&bmp[2]) == bmp.size());
  CHECK(le32(&bmp[10]) == 54);
  CHECK(le32(&bmp[18]) == 3);
  CHECK(le32(&bmp[22]) == 2);
  CHECK(bmp[28] == 24);
  CHECK(bmp[54] == 40);  // first stored row = bottom row (40 50 60), grey -> B=G=R
  CHECK(bmp[54 + 3] == 50);
  CHECK(bmp[54 + 12] == 10);
}

TEST_CASE(
    "not the open codec and no WLT library: Unsupported, a missing library is a clean error") {
  std::vector<uint8_t> wlt(1024, 0x57);
  CHECK(idr::decode_photo(wlt.data(), wlt.size()).error() == idr::Error::Unsupported);
  std::string why;
  auto lib =
      idr::WltLibraryDecoder::load("/nonexistent/libidr-no-such-wlt-decoder.so", "unpack", &why);
  CHECK(lib.error() == idr::Error::Unsupported);
  CHECK(why.find("not available") != std::string::npos);
  // A library that is loaded but has no such symbol: libc, found by one of its functions.
  Dl_info libc{};
  REQUIRE(::dladdr(reinterpret_cast<void*>(&::getpid), &libc) != 0);
  REQUIRE(libc.dli_fname[0] == '/');
  auto nosym = idr::WltLibraryDecoder::load(libc.dli_fname, "no_such_unpack_symbol", &why);
  CHECK(nosym.error() == idr::Error::Unsupported);
  CHECK(why.find("no symbol") != std::string::npos);
  CHECK(idr_photo_write_png(wlt.data(), wlt.size(), "/nonexistent/x.png", nullptr) ==
        IDR_E_UNSUPPORTED);
  const auto photo = idr::sim::generated_photo("c-api");
  CHECK(idr_photo_write_png(photo.data(), photo.size(), "/nonexistent-dir/x.png", nullptr) ==
        IDR_E_IO);
}

TEST_CASE("the WLT library only from an absolute path the application gives") {
  std::vector<uint8_t> wlt(1024, 0x57);
  std::string why;
  // Names the loader would search for (LD_LIBRARY_PATH, the cache) are refused.
  CHECK(idr::WltLibraryDecoder::load("libz.so.1", "unpack", &why).error() ==
        idr::Error::InvalidArgument);
  CHECK(why.find("not an absolute path") != std::string::npos);
  CHECK(idr::WltLibraryDecoder::load("./libwlt.so", "unpack", &why).error() ==
        idr::Error::InvalidArgument);
  idr_photo_config config{sizeof(idr_photo_config), "libwlt.so", nullptr};
  CHECK(idr_photo_write_png(wlt.data(), wlt.size(), "/nonexistent/x.png", &config) ==
        IDR_E_INVALID_ARGUMENT);
  config.wlt_library = "/nonexistent/libwlt.so";
  CHECK(idr_photo_write_png(wlt.data(), wlt.size(), "/nonexistent/x.png", &config) ==
        IDR_E_UNSUPPORTED);
  config.struct_size = 4;  // not a size this library knows
  CHECK(idr_photo_write_bmp(wlt.data(), wlt.size(), "/nonexistent/x.bmp", &config) ==
        IDR_E_INVALID_ARGUMENT);
  // The environment variable earlier versions read is ignored.
  ::setenv("IDR_WLT_LIBRARY", "/nonexistent/libwlt.so", 1);
  CHECK(idr_photo_write_png(wlt.data(), wlt.size(), "/nonexistent/x.png", nullptr) ==
        IDR_E_UNSUPPORTED);
  ::unsetenv("IDR_WLT_LIBRARY");
}
