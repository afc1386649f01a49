#pragma once
// The page's files (serve/page/), embedded in the binary at build time (embed_assets.cmake):
// `idr serve` needs nothing on disk and nothing from a CDN.
#include <string_view>

namespace idr::tool::serve {

struct Asset {
  std::string_view path;          // "/", "/app.js", "/style.css"
  std::string_view content_type;  // with charset
  std::string_view body;
};

// nullptr when no asset has this path.
[[nodiscard]] const Asset* find_asset(std::string_view path);

}  // namespace idr::tool::serve
