// StopMatcher: the `stop` strings of a request over streamed text. Text is
// released as soon as it can no longer be the start of a stop string; the
// text before the first match is released and the rest dropped.
//
//   Push("Hello, Wo") with stop "World"  -> "Hello, "  (held: "Wo")
//   Push("rld!")                         -> ""         matched() == true
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace entropix::server {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // The text that is now safe to send. After a match, nothing more.
  std::string Push(std::string_view text);
  // The held text at the end of generation (none after a match).
  std::string Flush();
  bool matched() const { return matched_; }

 private:
  // Length of the longest suffix of held_ that is a proper prefix of a stop.
  size_t PartialSuffix() const;

  std::vector<std::string> stops_;
  std::string held_;
  bool matched_ = false;
};

}  // namespace entropix::server
