// The web page served at GET / (web/index.html, compiled in by
// sampling/embed_profiles.cmake: no files, no network, no CDN): a chat box
// whose answer tokens are coloured by state or entropy, with a tooltip of
// each token's signals and alternatives, an entropy-varentropy scatter with
// the profile's threshold lines, a greedy | entropix compare mode, and a
// viewer for saved `run --trace` files.
#pragma once

#include <span>
#include <string_view>

namespace entropix::server {

struct WebPageText {
  const char* name;  // the file's stem ("index")
  const char* text;
};
std::span<const WebPageText> WebPageTexts();

}  // namespace entropix::server
