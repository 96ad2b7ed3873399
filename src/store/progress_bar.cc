#include "store/progress_bar.h"

#include <unistd.h>

#include <algorithm>

namespace entropix {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

double Mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total_bytes, std::FILE* out)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      out_(out),
      tty_(isatty(fileno(out)) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (tty_) Draw(false);
}

ProgressBar::~ProgressBar() {
  // Abandoned (an error is on its way): end the redrawn line, claim nothing.
  if (!finished_ && tty_) std::fputc('\n', out_);
}

void ProgressBar::Set(uint64_t done_bytes) {
  done_bytes_ = done_bytes;
  if (finished_) return;
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < kRedrawInterval) return;
    last_draw_ = now;
    Draw(false);
  } else if (total_bytes_ > 0) {
    const int quarter = static_cast<int>(4 * std::min(done_bytes_, total_bytes_) / total_bytes_);
    if (quarter > last_quarter_ && quarter < 4) {
      last_quarter_ = quarter;
      Draw(false);
    }
  }
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  Draw(true);
}

void ProgressBar::Draw(bool final) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate_mb_s = seconds > 0 ? Mb(done_bytes_) / seconds : 0.0;
  const double fraction =
      total_bytes_ > 0 ? static_cast<double>(std::min(done_bytes_, total_bytes_)) / total_bytes_
                       : 0.0;
  if (tty_) {
    char bar[kBarWidth + 1];
    const int filled = static_cast<int>(fraction * kBarWidth);
    for (int i = 0; i < kBarWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kBarWidth] = '\0';
    // \r and clear-to-end-of-line redraw in place.
    std::fprintf(out_, "\r%s [%s] %3d%% %.1f/%.1f MB %.0f MB/s\x1b[K%s", label_.c_str(), bar,
                 static_cast<int>(fraction * 100), Mb(done_bytes_), Mb(total_bytes_), rate_mb_s,
                 final ? "\n" : "");
  } else if (final) {
    std::fprintf(out_, "%s: done, %.1f MB in %.1f s (%.0f MB/s)\n", label_.c_str(), Mb(done_bytes_),
                 seconds, rate_mb_s);
  } else {
    std::fprintf(out_, "%s: %d%% (%.1f of %.1f MB)\n", label_.c_str(),
                 static_cast<int>(fraction * 100), Mb(done_bytes_), Mb(total_bytes_));
  }
  std::fflush(out_);
}

}  // namespace entropix
