#include "flag_checks.h"

#include <cmath>
#include <sstream>

namespace entropix {

CLI::Validator FiniteRange(double lo, double hi) {
  // CLI::Range lets NaN through (every comparison with NaN is false).
  std::ostringstream range;
  range << "[" << lo << ", " << hi << "]";
  return CLI::Validator(
      [lo, hi, r = range.str()](std::string& text) -> std::string {
        double v = 0.0;
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        if (!std::isfinite(v)) return "must be a finite number in " + r + ", not '" + text + "'";
        if (v < lo || v > hi) return "'" + text + "' is outside " + r;
        return "";
      },
      "FLOAT in " + range.str());
}

}  // namespace entropix
