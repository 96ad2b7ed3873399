#include "eval/svg_chart.h"

#include <algorithm>
#include <cstdio>

namespace entropix {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string BarChartSvg(const std::string& title, const std::vector<ChartBar>& bars) {
  constexpr double kLeft = 50, kTop = 40, kPlotH = 240, kBarW = 60, kCharW = 7;
  // Each bar's slot is wide enough for its label (about 7 px a character at 12 px).
  size_t longest = 0;
  for (const auto& b : bars) longest = std::max(longest, b.label.size());
  const double kGap = std::max(40.0, longest * kCharW + 10 - kBarW);
  const double plot_w = std::max<double>(1, bars.size()) * (kBarW + kGap) + kGap;
  const double width = kLeft + plot_w + 20, height = kTop + kPlotH + 60;
  auto y = [&](double v) { return kTop + kPlotH * (1.0 - std::clamp(v, 0.0, 1.0)); };
  std::string svg;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
                "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                width, height);
  svg += buf;
  std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"20\" font-size=\"14\">%s</text>\n", kLeft, Escape(title).c_str());
  svg += buf;
  for (int t = 0; t <= 4; ++t) {  // axis ticks 0, 0.25, ..., 1
    const double v = t / 4.0;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n",
                  kLeft, y(v), kLeft + plot_w, y(v), kLeft - 6, y(v) + 4, v);
    svg += buf;
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const ChartBar& b = bars[i];
    const double x = kLeft + kGap + i * (kBarW + kGap), cx = x + kBarW / 2;
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"#4e79a7\"/>\n"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3f</text>\n"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  x, y(b.value), kBarW, kTop + kPlotH - y(b.value), cx, y(b.high), cx, y(b.low), cx - 8, y(b.high),
                  cx + 8, y(b.high), cx - 8, y(b.low), cx + 8, y(b.low), cx, y(b.high) - 6, b.value, cx,
                  kTop + kPlotH + 18, Escape(b.label).c_str());
    svg += buf;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace entropix
