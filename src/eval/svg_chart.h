// A minimal SVG bar chart with error bars (no dependency): one bar per
// sampler, the value and its interval, on a 0..1 axis.
#pragma once

#include <string>
#include <vector>

namespace entropix {

struct ChartBar {
  std::string label;
  double value = 0.0, low = 0.0, high = 0.0;  // in [0, 1]
};

std::string BarChartSvg(const std::string& title, const std::vector<ChartBar>& bars);

}  // namespace entropix
