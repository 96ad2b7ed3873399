// The colours of the streamed answer: one per decoder state (sampling/
// policy.h), dim for inserted pauses, underlined for committed branches,
// and the one-line legend printed before a coloured answer.
#pragma once

#include <string>

#include "sampling/policy.h"

namespace entropix {

// The ANSI escape that starts the colour of a token ("" for fixed: plain).
const char* StateColor(State s, Action a);

// "states: fixed flowing treading ..." with each name in its colour.
std::string StateColorLegend();

}  // namespace entropix
