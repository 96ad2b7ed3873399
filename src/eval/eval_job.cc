#include "eval/eval_job.h"

#include <algorithm>

#include "eval/runner.h"
#include "eval/vote_generation.h"

namespace entropix {

EvalRecord MakeEvalRecord(const EvalJob& job, const Task& task, const JobOutput& out, const std::string& engine) {
  const EvalSampler& rs = *job.sampler;
  const SamplerSpec& s = *rs.spec;
  const GenerationResult& r = out.result;
  const EvalItem& item = *job.item;
  const ItemScore score = task.ScoreGeneration(item, out.response, r.tokens);
  EvalRecord rec;
  rec.sampler = s.label;
  rec.policy = out.vote ? "vote" : rs.policy->name();
  rec.item = item.id;
  rec.index = job.index;
  rec.draw = job.draw;
  rec.seed = job.seed;
  rec.prompt = item.messages.back().content;
  rec.reference = item.reference;
  rec.response = out.response;
  rec.extracted = score.extracted;
  rec.scored = score.scored;
  rec.correct = score.value;
  rec.tokens = static_cast<int64_t>(r.tokens.size());
  rec.prompt_tokens = r.prompt_tokens;
  rec.stop = StopReasonName(r.stop);
  for (int k = 0; k < kNumStates; ++k) rec.states[k] = r.state_counts[k];
  rec.pauses = r.pauses_inserted;
  rec.branches = static_cast<int64_t>(r.branches.size());
  rec.seconds = out.seconds;
  rec.decode_seconds = r.decode_seconds;
  rec.tokens_per_s = r.tokens.size() / std::max(r.decode_seconds, 1e-9);
  rec.token_ids = r.tokens;
  rec.details = score.details;
  if (s.config.kind == PolicyKind::kEntropix) rec.profile = s.config.profile.name;
  rec.forward_tokens = out.vote ? out.vote->forward_tokens : ForwardTokenSteps(r, rs.pause_tokens);
  if (out.vote) {
    rec.profile = s.vote->name;
    rec.vote = out.vote->record;
  }
  rec.sampler_sha256 = rs.sha256;
  rec.engine = engine;
  return rec;
}

}  // namespace entropix
