// Checks of flag values that CLI11 does not have.
#pragma once

#include <CLI/CLI.hpp>

namespace entropix {

// A CLI11 check for a floating-point flag: a finite number in [lo, hi]
// (CLI::Range lets NaN through).
CLI::Validator FiniteRange(double lo, double hi);

}  // namespace entropix
