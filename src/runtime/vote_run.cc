#include "runtime/vote_run.h"

#include "core/error.h"
#include "decoding/answer_hook.h"

namespace entropix {

VoteRun::VoteRun(const Tokenizer& tokenizer, std::span<const int32_t> prompt, VoteProfile profile, uint64_t seed,
                 int max_tokens)
    : traces_(tokenizer, prompt, max_tokens),
      strategy_(profile, MathAnswerHook(profile.answer_require_marker), seed) {}

std::vector<int> VoteRun::StartBatch(Scheduler& scheduler) {
  ENTROPIX_CHECK(trace_of_.empty());
  batch_ = strategy_.NextBatch();
  std::vector<int> ids;
  for (const TraceRequest& r : batch_) {
    const int id = traces_.Start(scheduler, r);
    trace_of_[id] = r.id;
    ids.push_back(id);
  }
  return ids;
}

bool VoteRun::Finish(std::unique_ptr<Sequence> sequence) {
  auto it = trace_of_.find(sequence->id());
  ENTROPIX_CHECK(it != trace_of_.end());
  traces_.Finish(it->second, std::move(sequence));
  trace_of_.erase(it);
  if (!trace_of_.empty()) return false;
  // In request order, as RunVote hands them over.
  for (const TraceRequest& r : batch_) strategy_.Finish(traces_.result(r.id));
  batch_.clear();
  return true;
}

std::vector<int> VoteRun::running() const {
  std::vector<int> ids;
  for (const auto& [id, trace] : trace_of_) ids.push_back(id);
  return ids;
}

}  // namespace entropix
