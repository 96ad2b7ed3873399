#include "eval/batch_runner.h"

#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "core/error.h"
#include "eval/vote_generation.h"
#include "model/model.h"
#include "runtime/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using Clock = std::chrono::steady_clock;

int ResolveThreads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

double SecondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

SchedulerOptions EvalScheduler(const BatchRunOptions& o) {
  if (o.parallel < 1) throw Error(ErrorCode::kInvalidArgument, "--parallel must be at least 1");
  SchedulerOptions so;
  so.context = o.context;
  so.max_rows = std::max(32, o.parallel);  // the serial runner's prefill chunk; a row per sequence
  so.max_active = o.parallel;
  return so;
}

class EvalBatch {
 public:
  EvalBatch(const Model& model, const Tokenizer& tokenizer, const Task& task, const BatchRunOptions& o,
            const RecordSink& sink)
      : model_(model),
        tokenizer_(tokenizer),
        task_(task),
        o_(o),
        sink_(sink),
        pool_(ResolveThreads(o.threads)),
        scheduler_(model, &tokenizer, pool_, EvalScheduler(o)) {}

  void Run(std::span<const EvalJob> jobs) {
    size_t next = 0;
    while (next < jobs.size() || !running_.empty()) {
      while (next < jobs.size() && static_cast<int>(running_.size()) < o_.parallel) {
        const EvalJob& job = jobs[next++];
        if (job.sampler->spec->vote) RunVote(job);
        else Start(job);
      }
      if (running_.empty()) continue;
      try {
        scheduler_.Step();
      } catch (...) {
        scheduler_.Clear();
        throw;
      }
      Collect();
    }
  }

 private:
  struct Slot {
    const EvalJob* job;
    std::string response;
    Clock::time_point t0;
  };

  std::vector<int32_t> Prompt(const EvalJob& job) const {
    std::vector<int32_t> prompt = EncodeConversation(model_, tokenizer_, o_.prompt, job.item->messages);
    if (static_cast<int>(prompt.size()) + 1 >= scheduler_.context()) {
      throw Error(ErrorCode::kOutOfRange, "item " + job.item->id + ": the prompt (" + std::to_string(prompt.size()) +
                                              " tokens) does not fit the context; raise -c");
    }
    return prompt;
  }

  void Start(const EvalJob& job) {
    auto slot = std::make_unique<Slot>();
    slot->job = &job;
    slot->t0 = Clock::now();
    GenerateOptions go;
    go.max_tokens = o_.max_tokens;
    go.seed = job.seed;
    go.policy = job.sampler->policy.get();
    std::string* response = &slot->response;
    const int id = scheduler_.Add(Prompt(job), go, [response](std::string_view text) {
      *response += text;
      return true;
    });
    running_[id] = std::move(slot);
  }

  void Collect() {
    for (std::unique_ptr<Sequence>& s : scheduler_.TakeFinished()) {
      const auto it = running_.find(s->id());
      ENTROPIX_CHECK(it != running_.end());
      const Slot& slot = *it->second;
      JobOutput out;
      out.response = slot.response;
      out.result = s->TakeResult();
      out.seconds = SecondsSince(slot.t0);
      const EvalJob& job = *slot.job;
      running_.erase(it);
      sink_(MakeEvalRecord(job, task_, out, o_.engine));
    }
  }

  void RunVote(const EvalJob& job) {
    const VoteProfile& profile = *job.sampler->spec->vote;
    const auto t0 = Clock::now();
    // The task says what an answer is (the reading it scores), not the profile.
    const AnswerHook answer = RuleAnswerHook(task_.VoteAnswerRule(*job.item));
    const VoteGeneration vote =
        GenerateByVote(model_, tokenizer_, pool_, Prompt(job), profile, answer, o_.max_tokens, job.seed);
    JobOutput out;
    out.response = vote.response;
    out.result = vote.result;
    out.vote = &vote;
    out.seconds = SecondsSince(t0);
    sink_(MakeEvalRecord(job, task_, out, o_.engine));
  }

  const Model& model_;
  const Tokenizer& tokenizer_;
  const Task& task_;
  const BatchRunOptions& o_;
  const RecordSink& sink_;
  ThreadPool pool_;
  Scheduler scheduler_;
  std::map<int, std::unique_ptr<Slot>> running_;  // by sequence id
};

}  // namespace

void RunEvalJobs(const Model& model, const Tokenizer& tokenizer, const Task& task, std::span<const EvalJob> jobs,
                 const BatchRunOptions& options, const RecordSink& sink) {
  EvalBatch batch(model, tokenizer, task, options, sink);
  batch.Run(jobs);
}

}  // namespace entropix
