#include "store/progress_bar.h"

#include <unistd.h>

#include <algorithm>

namespace entropix {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

double Mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

}  // namespace

std::string FormatDuration(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  return buf;
}

ProgressBar::ProgressBar(std::string label, uint64_t total_bytes, std::FILE* out)
    : ProgressBar(std::move(label), total_bytes, ProgressOptions{ProgressUnit::kBytes, 4, out}) {}

ProgressBar::ProgressBar(std::string label, uint64_t total, const ProgressOptions& options)
    : label_(std::move(label)),
      total_(total),
      options_(options),
      tty_(isatty(fileno(options.out)) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  options_.plain_steps = std::max(1, options_.plain_steps);
  if (tty_) Draw(false);
}

ProgressBar::~ProgressBar() {
  // Abandoned (an error is on its way): end the redrawn line, claim nothing.
  if (!finished_ && tty_) std::fputc('\n', options_.out);
}

void ProgressBar::Set(uint64_t done) {
  done_ = done;
  if (finished_) return;
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < kRedrawInterval) return;
    last_draw_ = now;
    Draw(false);
  } else if (total_ > 0) {
    const int steps = options_.plain_steps;
    const int step = static_cast<int>(steps * std::min(done_, total_) / total_);
    const bool first_item = options_.unit == ProgressUnit::kItems && !drawn_ && done_ > 0;
    if ((step > last_step_ && step < steps) || first_item) {
      last_step_ = std::max(last_step_, step);
      Draw(false);
    }
  }
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  Draw(true);
}

std::string ProgressBar::Amount(uint64_t n) const {
  char buf[32];
  if (options_.unit == ProgressUnit::kBytes) std::snprintf(buf, sizeof buf, "%.1f", Mb(n));
  else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  return buf;
}

void ProgressBar::Draw(bool final) {
  drawn_ = true;
  std::FILE* out = options_.out;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = total_ > 0 ? static_cast<double>(std::min(done_, total_)) / total_ : 0.0;
  const int pct = static_cast<int>(fraction * 100);
  const bool bytes = options_.unit == ProgressUnit::kBytes;
  const std::string detail = detail_.empty() ? "" : " | " + detail_;
  const double eta = done_ > 0 && total_ > done_ ? seconds / done_ * (total_ - done_) : 0.0;
  if (tty_) {
    char bar[kBarWidth + 1];
    const int filled = static_cast<int>(fraction * kBarWidth);
    for (int i = 0; i < kBarWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kBarWidth] = '\0';
    // \r and clear-to-end-of-line redraw in place.
    if (bytes) {
      std::fprintf(out, "\r%s [%s] %3d%% %.1f/%.1f MB %.0f MB/s\x1b[K%s", label_.c_str(), bar, pct, Mb(done_),
                   Mb(total_), seconds > 0 ? Mb(done_) / seconds : 0.0, final ? "\n" : "");
    } else {
      std::fprintf(out, "\r%s [%s] %llu/%llu %3d%%%s | ETA %s\x1b[K%s", label_.c_str(), bar,
                   static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_), pct,
                   detail.c_str(), FormatDuration(eta).c_str(), final ? "\n" : "");
    }
  } else if (final) {
    if (bytes) {
      std::fprintf(out, "%s: done, %.1f MB in %.1f s (%.0f MB/s)\n", label_.c_str(), Mb(done_), seconds,
                   seconds > 0 ? Mb(done_) / seconds : 0.0);
    } else {
      std::fprintf(out, "%s: done, %s in %s\n", label_.c_str(), Amount(done_).c_str(),
                   FormatDuration(seconds).c_str());
    }
  } else if (bytes) {
    std::fprintf(out, "%s: %d%% (%.1f of %.1f MB)\n", label_.c_str(), pct, Mb(done_), Mb(total_));
  } else {
    std::fprintf(out, "%s: %llu/%llu (%d%%)%s, elapsed %s, ETA %s\n", label_.c_str(),
                 static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_), pct,
                 detail.c_str(), FormatDuration(seconds).c_str(), FormatDuration(eta).c_str());
  }
  std::fflush(out);
}

}  // namespace entropix
