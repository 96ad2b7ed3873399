// Human-readable listing of a GGUF file (what `entropix inspect` prints):
// header, metadata with arrays summarised, the tensor table and totals.
#pragma once

#include <string>

#include "io/gguf.h"

namespace entropix {

// Arrays print as `[type x N] v0, v1, ...` with the first few values (all of
// them when `show_all_array_values`); long strings are cut with "...", and
// control characters are escaped so a hostile file cannot drive the terminal.
std::string DescribeGguf(const GgufFile& file, bool show_all_array_values = false);

}  // namespace entropix
