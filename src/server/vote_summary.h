// What a server response says about a vote (sampler vote): the chosen
// trace's tokens as the answer, and, for the `entropix` extension, the vote
// itself as one JSON object:
//
//   {"profile", "stop_reason", "chosen_trace", "answer", "forward_tokens",
//    "traces": [{"id", "parent", "fork_position", "origin", "fork_token",
//                "replaced_token", "text", "answer", "confidence",
//                "answer_margin", "weight", "duplicate_of", "filtered",
//                "stop", "tokens", "forward_tokens"}],
//    "table": [{"answer", "traces", "weight", "share"}]}
//
// The table is the last vote's (as `run --sampler vote` prints it): each
// answer's voting traces and weight; empty when greedy passed the gate (no
// vote was taken) or no trace has an answer (best-of-N by confidence among
// the traces the model ended).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runtime/vote_run.h"
#include "server/channel.h"

namespace entropix {
class Tokenizer;
}

namespace entropix::server {

nlohmann::json VoteSummary(const VoteStrategy& strategy, const Tokenizer& tokenizer, const std::string& profile);

// The response of a stopped vote: the chosen trace's tokens (with per-token
// records {index, token, piece, logprob, entropy, margin, trace} when
// `records`: `trace` is the trace that decoded the token, an ancestor for a
// fork's reused prefix) and, when `records`, VoteSummary.
VoteOut MakeVoteOut(const VoteStrategy& strategy, const Tokenizer& tokenizer, const std::string& profile,
                    bool records);

}  // namespace entropix::server
