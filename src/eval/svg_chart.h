// Minimal SVG charts (no dependency) for evaluation summaries: bars with
// error bars on a 0..1 axis, paired differences with intervals around a
// zero line, and a metric-versus-compute scatter.
#pragma once

#include <string>
#include <vector>

namespace entropix {

struct ChartBar {
  std::string label;
  double value = 0.0, low = 0.0, high = 0.0;
};

// One bar per row on a 0..1 axis (values clamped), labelled `y_label`.
std::string BarChartSvg(const std::string& title, const std::vector<ChartBar>& bars, const std::string& y_label = "");

// One horizontal row per difference: a dot at the value, a whisker over
// [low, high], and a vertical zero line; the axis is symmetric around 0.
std::string DifferenceChartSvg(const std::string& title, const std::vector<ChartBar>& rows,
                               const std::string& x_label);

struct ChartPoint {
  std::string label;
  double x = 0.0;                     // e.g. forward tokens per item
  double y = 0.0, low = 0.0, high = 0.0;  // the metric and its interval, in 0..1
};

// Points with vertical intervals; x from 0 to a rounded maximum, y 0..1.
// Each point is marked by its number (1, 2, ...; a mark moves up or down
// until it overlaps no earlier one), and a legend right of the plot gives
// each number's label and value, so crowded points stay readable.
std::string ScatterChartSvg(const std::string& title, const std::vector<ChartPoint>& points,
                            const std::string& x_label, const std::string& y_label);

}  // namespace entropix
