// Per-trace confidence and the answer-span margin, from per-token signals.
//
// Trace confidence follows DeepConf (Fu et al., arXiv 2508.15260, "lowest
// group confidence"): the lowest mean of a per-token confidence over any
// window of consecutive tokens. One bad stretch is what marks a reasoning
// trace as unreliable, and a plain mean over a long trace hides it. DeepConf
// uses 2,048-token windows for traces of tens of thousands of tokens; our
// answers run a few hundred tokens, so the default window is 32 (about a
// tenth of a trace; MULTI_TRACE_NOTES.md C2). The plain mean is kept as the
// alternative (the length-normalised likelihood of CISC, arXiv 2502.06233,
// when the token confidence is the log-probability).
#pragma once

#include <span>

#include "decoding/token_spans.h"

namespace entropix {

// What one token's confidence is (higher = surer).
enum class TokenConfidence {
  kNegEntropy,  // -H in bits of the distribution the token was chosen from
  kLogprob,     // natural log-probability of the chosen token
  kMargin,      // p1 - p2
};

// How a trace's token confidences become one number.
enum class TraceConfidenceRule {
  kLowestWindow,  // the lowest mean over `window` consecutive tokens
  kMean,          // the mean over all tokens
};

// The per-token signals a finished trace carries, one entry per token.
struct TokenSignals {
  std::span<const float> entropy_bits;
  std::span<const float> logprob;
  std::span<const float> margin;
};

// Token i's confidence under `kind`.
double TokenConfidenceAt(const TokenSignals& s, TokenConfidence kind, size_t i);

// Mean of c; 0 for an empty series.
double MeanOf(std::span<const double> c);
// The lowest mean over `window` consecutive values; the mean of all of them
// when there are fewer than `window` (window >= 1); 0 for an empty series.
double LowestWindowMean(std::span<const double> c, int window);

// The trace's confidence (0 for an empty trace).
double TraceConfidence(const TokenSignals& s, TokenConfidence kind, TraceConfidenceRule rule, int window);

// Mean p1 - p2 over the tokens in `range` (the tokens of the final answer);
// 0 when the range is empty (no answer: no confidence in it).
double AnswerSpanMargin(std::span<const float> margin, TokenRange range);

}  // namespace entropix
