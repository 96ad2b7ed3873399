#include "eval/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace entropix {
namespace {

constexpr double kCharW = 7;  // about 7 px a character at 12 px

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

std::string Open(double width, double height, const std::string& title, double title_x) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
                "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                "<text x=\"%.0f\" y=\"20\" font-size=\"14\">",
                width, height, title_x);
  return buf + Escape(title) + "</text>\n";
}

std::string Text(double x, double y, const char* anchor, const std::string& text, const char* extra = "") {
  char buf[128];
  std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, extra);
  return buf + Escape(text) + "</text>\n";
}

std::string Line(double x1, double y1, double x2, double y2, const char* stroke, const char* extra = "") {
  char buf[192];
  std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>\n", x1, y1,
                x2, y2, stroke, extra);
  return buf;
}

std::string Fmt(const char* fmt, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// The smallest "nice" number (1, 2, 2.5, 5 times a power of ten) >= v.
double NiceCeil(double v) {
  if (!(v > 0)) return 1.0;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= v * (1 - 1e-12)) return m * p;
  }
  return 10 * p;
}

// Horizontal grid lines and labels of a 0..1 y axis.
std::string YAxis01(double left, double right, double top, double height, const std::string& label) {
  std::string svg;
  for (int t = 0; t <= 4; ++t) {
    const double v = t / 4.0, y = top + height * (1.0 - v);
    svg += Line(left, y, right, y, "#ddd") + Text(left - 6, y + 4, "end", Fmt("%.2f", v));
  }
  if (!label.empty()) {
    char rotate[96];
    std::snprintf(rotate, sizeof rotate, " transform=\"rotate(-90 %.1f %.1f)\"", 14.0, top + height / 2);
    svg += Text(14, top + height / 2, "middle", label, rotate);
  }
  return svg;
}

struct Box {
  double x0, y0, x1, y1;
  bool Overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// The baseline of a short label placed right of (x, y): the nearest of y,
// y -/+ 12, y -/+ 24, ... whose box overlaps nothing placed before, so that
// points close together keep readable marks.
double FreeBaseline(std::vector<Box>& placed, double x, double y, double width) {
  for (int step = 0; step < 40; ++step) {
    const double dy = 12.0 * ((step + 1) / 2) * (step % 2 == 1 ? -1.0 : 1.0);
    const Box box{x, y + dy - 10, x + width, y + dy + 2};
    if (std::none_of(placed.begin(), placed.end(), [&](const Box& b) { return b.Overlaps(box); })) {
      placed.push_back(box);
      return y + dy;
    }
  }
  return y;  // crowded beyond 40 slots: overlap rather than wander off
}

}  // namespace

std::string BarChartSvg(const std::string& title, const std::vector<ChartBar>& bars, const std::string& y_label) {
  constexpr double kLeft = 60, kTop = 40, kPlotH = 240, kBarW = 60;
  // Each bar's slot is wide enough for its label.
  size_t longest = 0;
  for (const auto& b : bars) longest = std::max(longest, b.label.size());
  const double gap = std::max(40.0, longest * kCharW + 10 - kBarW);
  const double plot_w = std::max<double>(1, bars.size()) * (kBarW + gap) + gap;
  const double width = std::max(kLeft + plot_w + 20, title.size() * 7.5 + kLeft), height = kTop + kPlotH + 60;
  auto y = [&](double v) { return kTop + kPlotH * (1.0 - std::clamp(v, 0.0, 1.0)); };
  std::string svg = Open(width, height, title, kLeft) + YAxis01(kLeft, kLeft + plot_w, kTop, kPlotH, y_label);
  for (size_t i = 0; i < bars.size(); ++i) {
    const ChartBar& b = bars[i];
    const double x = kLeft + gap + i * (kBarW + gap), cx = x + kBarW / 2;
    char buf[160];
    std::snprintf(buf, sizeof buf, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"#4e79a7\"/>\n",
                  x, y(b.value), kBarW, kTop + kPlotH - y(b.value));
    svg += buf;
    svg += Line(cx, y(b.high), cx, y(b.low), "black") + Line(cx - 8, y(b.high), cx + 8, y(b.high), "black") +
           Line(cx - 8, y(b.low), cx + 8, y(b.low), "black");
    svg += Text(cx, y(b.high) - 6, "middle", Fmt("%.3f", b.value)) + Text(cx, kTop + kPlotH + 18, "middle", b.label);
  }
  return svg + "</svg>\n";
}

std::string DifferenceChartSvg(const std::string& title, const std::vector<ChartBar>& rows,
                               const std::string& x_label) {
  size_t longest = 0;
  double extent = 0;
  for (const auto& r : rows) {
    longest = std::max(longest, r.label.size());
    extent = std::max({extent, std::fabs(r.value), std::fabs(r.low), std::fabs(r.high)});
  }
  extent = NiceCeil(std::max(extent, 0.01));
  const double left = 20 + longest * kCharW, top = 40, row_h = 36, plot_w = 420;
  const double plot_h = std::max<double>(1, rows.size()) * row_h;
  const double width = std::max(left + plot_w + 30, title.size() * 7.5 + 20), height = top + plot_h + 60;
  auto x = [&](double v) { return left + plot_w * (std::clamp(v, -extent, extent) + extent) / (2 * extent); };
  std::string svg = Open(width, height, title, 10);
  for (int t = -2; t <= 2; ++t) {  // ticks at -extent, -extent/2, 0, ...
    const double v = extent * t / 2.0;
    svg += Line(x(v), top, x(v), top + plot_h, t == 0 ? "black" : "#ddd", t == 0 ? " stroke-width=\"1.5\"" : "");
    svg += Text(x(v), top + plot_h + 16, "middle", t == 0 ? "0" : Fmt("%+.3g", v));
  }
  svg += Text(left + plot_w / 2, top + plot_h + 36, "middle", x_label);
  for (size_t i = 0; i < rows.size(); ++i) {
    const ChartBar& r = rows[i];
    const double cy = top + row_h * (i + 0.5);
    svg += Text(left - 8, cy + 4, "end", r.label);
    svg += Line(x(r.low), cy, x(r.high), cy, "#4e79a7", " stroke-width=\"2\"") +
           Line(x(r.low), cy - 6, x(r.low), cy + 6, "#4e79a7") + Line(x(r.high), cy - 6, x(r.high), cy + 6, "#4e79a7");
    char dot[128];
    std::snprintf(dot, sizeof dot, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#4e79a7\"/>\n", x(r.value), cy);
    svg += dot + Text(x(r.value), cy - 9, "middle", Fmt("%+.3f", r.value));
  }
  return svg + "</svg>\n";
}

std::string ScatterChartSvg(const std::string& title, const std::vector<ChartPoint>& points,
                            const std::string& x_label, const std::string& y_label) {
  constexpr double kLeft = 60, kTop = 40, kPlotW = 480, kPlotH = 260, kLegendLine = 15;
  double max_x = 0;
  std::vector<std::string> legend;
  size_t longest = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    max_x = std::max(max_x, points[i].x);
    legend.push_back(std::to_string(i + 1) + "  " + points[i].label + " " + Fmt("%.3f", points[i].y));
    longest = std::max(longest, legend.back().size());
  }
  max_x = NiceCeil(max_x * 1.1);
  // Each point is marked by its number; the legend right of the plot names it.
  const double legend_x = kLeft + kPlotW + 24;
  const double width = std::max(legend_x + longest * kCharW + 10, title.size() * 7.5 + kLeft);
  const double height = std::max(kTop + kPlotH + 60, kTop + kLegendLine * points.size() + 10);
  auto xs = [&](double v) { return kLeft + kPlotW * std::clamp(v, 0.0, max_x) / max_x; };
  auto ys = [&](double v) { return kTop + kPlotH * (1.0 - std::clamp(v, 0.0, 1.0)); };
  std::string svg = Open(width, height, title, kLeft) + YAxis01(kLeft, kLeft + kPlotW, kTop, kPlotH, y_label);
  for (int t = 0; t <= 4; ++t) {
    const double v = max_x * t / 4.0;
    svg += Line(xs(v), kTop + kPlotH, xs(v), kTop + kPlotH + 4, "black") +
           Text(xs(v), kTop + kPlotH + 16, "middle", Fmt("%.4g", v));
  }
  svg += Text(kLeft + kPlotW / 2, kTop + kPlotH + 36, "middle", x_label);
  std::vector<Box> placed;
  for (const ChartPoint& p : points) {  // dots and whiskers first: numbers go on top
    const double cx = xs(p.x);
    svg += Line(cx, ys(p.high), cx, ys(p.low), "#4e79a7", " stroke-width=\"2\"");
    char dot[128];
    std::snprintf(dot, sizeof dot, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#4e79a7\"/>\n", cx, ys(p.y));
    svg += dot;
    placed.push_back({cx - 4, ys(p.y) - 4, cx + 4, ys(p.y) + 4});  // marks keep off the dots
  }
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string mark = std::to_string(i + 1);
    const double x = xs(points[i].x) + 7;
    svg += Text(x, FreeBaseline(placed, x, ys(points[i].y) + 4, mark.size() * kCharW), "start", mark);
    svg += Text(legend_x, kTop + 10 + kLegendLine * i, "start", legend[i]);
  }
  return svg + "</svg>\n";
}

}  // namespace entropix
