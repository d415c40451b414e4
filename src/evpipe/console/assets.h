// The page's files (web/), compiled into the binary at build time by
// embed_assets.cmake: the console fetches nothing from the network.
#pragma once

#include <span>
#include <string_view>

namespace evpipe::console {

struct Asset {
  std::string_view path;          // URL path, "/" for index.html
  std::string_view content_type;
  std::string_view body;
};

std::span<const Asset> Assets();

}  // namespace evpipe::console
