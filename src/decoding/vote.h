// The vote over finished traces: deduplicate, filter, weight, tally.
//
// Identical responses vote once (position-0 forks and sampled traces can
// reproduce a trace exactly; MULTI_TRACE_NOTES.md C7). The filter keeps the
// most confident share of the traces (DeepConf, arXiv 2508.15260); the
// weights are those of self-consistency (uniform), CISC/DeepConf
// (exp(beta * confidence), arXiv 2502.06233) and CoT-decoding (answer-span
// margin, arXiv 2402.10200). Consensus is ESC/CGES-style adaptive stopping:
// the leader holds a set share of the weight with enough traces behind it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoding/vote_profile.h"

namespace entropix {

struct Ballot {
  int trace_id = 0;
  std::string_view text;              // the response: identical texts vote once
  std::optional<std::string> answer;  // nullopt: the trace does not vote on an answer
  double confidence = 0.0;            // trace confidence
  double answer_margin = 0.0;         // answer-span margin
  bool ended = true;                  // the model ended it (not the token cap, not a loop)
};

struct BallotResult {
  int trace_id = 0;
  int duplicate_of = -1;  // the earlier ballot with the same text
  bool filtered = false;  // outside the most confident keep_top_share
  double weight = 0.0;    // 0 unless it votes
};

struct AnswerTotal {
  std::string answer;
  double weight = 0.0;
  int traces = 0;
};

struct Tally {
  std::vector<BallotResult> ballots;  // in ballot order
  std::vector<AnswerTotal> answers;   // in order of first appearance
  int leader = -1;                    // index into answers; -1: no trace has an answer
  double leader_share = 0.0;          // leader weight / all weight (0 when all weight is 0)
  bool consensus = false;             // share >= stop_share with >= min_agreeing traces
  // The trace to return: the most confident voter for the leading answer;
  // with no answers at all, best-of-N: the most confident distinct trace
  // among those the model ended (all distinct traces when none did). A trace
  // cut off by the token budget or stuck in a loop is no reply, however
  // confident: a loop's tokens are the most certain of all.
  int chosen_trace = -1;
};

// Ties: the leader is the answer with more weight, then more traces, then
// the earlier first appearance; the chosen trace is the more confident, then
// the earlier ballot. Ballots are in trace order.
Tally CountVotes(std::span<const Ballot> ballots, const VoteParams& params);

}  // namespace entropix
