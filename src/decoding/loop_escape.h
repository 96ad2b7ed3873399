// Repetition loops at the end of a trace, and where to fork to escape them.
//
// The rule is eval's degeneration rule (eval/text_tasks.h TrailingLoopPeriod:
// an n-gram repeated back to back at the end); here it also says where the
// repetition began, because the escape forks there: the first token that
// copies the token `period` places before it is where the model chose to
// repeat, so replacing it with the second-ranked token is the smallest change
// that leaves the loop (MULTI_TRACE_NOTES.md C6).
#pragma once

#include <cstdint>
#include <span>

namespace entropix {

struct LoopRule {
  int max_period = 16;  // longest period checked, in tokens
  int min_repeats = 3;  // back-to-back copies of the n-gram
  int min_tail = 12;    // tokens the repeating tail must cover
};

struct TrailingLoop {
  int period = 0;        // 0: no loop
  int first_repeat = 0;  // index of the first token equal to the one `period` before it
};

// The shortest period whose back-to-back repetition ends the sequence and
// satisfies `rule`.
TrailingLoop FindTrailingLoop(std::span<const int32_t> tokens, const LoopRule& rule);

}  // namespace entropix
