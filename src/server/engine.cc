#include "server/engine.h"

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "model/model.h"
#include "runtime/trace.h"
#include "runtime/vote_run.h"
#include "server/api_error.h"
#include "server/top_logprobs.h"
#include "server/vote_summary.h"
#include "tokenizer/tokenizer.h"

namespace entropix::server {

// One choice of a job: one sequence.
struct Engine::Choice {
  Job* job = nullptr;
  int index = 0;
  int sequence = -1;
  StopMatcher stop;
  std::optional<TokenOut> pending;  // the last token, until its text is in
  explicit Choice(std::vector<std::string> stops) : stop(std::move(stops)) {}
};

struct Engine::Job {
  GenerationJob spec;
  std::vector<std::unique_ptr<Choice>> choices;
  std::unique_ptr<VoteRun> vote;  // sampler vote: its traces instead of choices
  int reserved = 0;  // places of the admission count (Reserved)
  int open = 0;      // sequences running
  bool cancel_sent = false;
};

namespace {

const char* FinishReason(StopReason r) {
  return r == StopReason::kMaxTokens || r == StopReason::kContextFull ? "length" : "stop";
}

// Sequences a job may run at once: its choices, or a vote's largest batch.
int Reserved(const GenerationJob& job) { return job.vote ? std::max(1, job.vote->budget.batch) : job.n; }

}  // namespace

Engine::Engine(const Model& model, const Tokenizer& tokenizer, const EngineOptions& options, Metrics& metrics)
    : model_(model),
      tokenizer_(tokenizer),
      options_(options),
      metrics_(metrics),
      pool_(options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
      scheduler_(model, &tokenizer, pool_, SchedulerOptions{options.context, options.max_rows, options.parallel}) {
  options_.context = scheduler_.context();
  thread_ = std::thread([this] { Loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Engine::Submit(GenerationJob job) {
  const int sequences = Reserved(job);
  if (sequences > options_.parallel + options_.queue) {  // would never fit: not a busy server
    const std::string limit = ", but this server admits at most " +
                              std::to_string(options_.parallel + options_.queue) + " sequences (--parallel + --queue)";
    if (job.vote) BadRequest("profile", "the vote profile's budget.batch is " + std::to_string(sequences) + limit);
    BadRequest("n", "n is " + std::to_string(job.n) + limit);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || in_flight_ + sequences > options_.parallel + options_.queue) {
      throw ApiError(503, "server_error",
                     "the server is busy: " + std::to_string(in_flight_) + " sequences are running or queued (" +
                         std::to_string(options_.parallel) + " slots + " + std::to_string(options_.queue) +
                         " queued); retry later",
                     "", "server_busy");
    }
    in_flight_ += sequences;
    inbox_sequences_ += sequences;
    inbox_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void Engine::Loop() {
  for (;;) {
    std::vector<GenerationJob> arrived;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !inbox_.empty() || scheduler_.held() > 0; });
      if (stop_) break;
      arrived.swap(inbox_);
      inbox_sequences_ = 0;
    }
    for (GenerationJob& job : arrived) Start(std::move(job));
    CancelGone();
    if (scheduler_.held() > 0) {
      try {
        scheduler_.Step();
      } catch (const Error& e) {
        FailAll(std::string("generation failed: ") + e.what());
      }
    }
    Collect();
    UpdateGauges();
  }
  FailAll("the server is shutting down");
}

void Engine::Start(GenerationJob spec) {
  auto job = std::make_unique<Job>();
  job->spec = std::move(spec);
  Job* j = job.get();
  jobs_.push_back(std::move(job));
  j->reserved = Reserved(j->spec);
  if (j->spec.vote) {
    j->vote = std::make_unique<VoteRun>(tokenizer_, j->spec.prompt, *j->spec.vote, j->spec.seed, j->spec.max_tokens);
    StartVoteBatch(*j);
    return;
  }
  for (int i = 0; i < j->spec.n; ++i) {
    auto c = std::make_unique<Choice>(j->spec.stop);
    c->job = j;
    c->index = i;
    Choice* cp = c.get();
    j->choices.push_back(std::move(c));
    GenerateOptions go;
    go.max_tokens = j->spec.max_tokens;
    go.seed = j->spec.seed + static_cast<uint64_t>(i);
    go.policy = j->spec.policy.get();
    go.record_signals = j->spec.records;
    go.on_token = [this, cp](const TokenEvent& ev) { OnToken(*cp, ev); };
    try {
      cp->sequence = scheduler_.Add(j->spec.prompt, go, [this, cp](std::string_view t) { return OnText(*cp, t); });
    } catch (const Error& e) {  // checked by the handler before; a bug if it happens
      j->spec.channel->Fail(e.what());
      for (auto& done : j->choices) {
        if (done->sequence >= 0) scheduler_.Cancel(done->sequence);
      }
      j->cancel_sent = true;
      Release(j->spec.n - j->open);
      break;
    }
    by_sequence_[cp->sequence] = cp;
    ++j->open;
  }
}

// The vote's next batch; when it has stopped, its answer.
void Engine::StartVoteBatch(Job& job) {
  std::vector<int> ids;
  try {
    ids = job.vote->StartBatch(scheduler_);
  } catch (const Error& e) {  // checked by the handler before; a bug if it happens
    job.spec.channel->Fail(e.what());
    job.cancel_sent = true;
    return;
  }
  for (int id : ids) vote_of_sequence_[id] = &job;
  job.open += static_cast<int>(ids.size());
  if (!ids.empty()) return;
  metrics_.CountVote();  // before the answer: a client that has it sees the vote counted
  job.spec.channel->Push(MakeVoteOut(job.vote->strategy(), tokenizer_, job.spec.vote->name, job.spec.records));
}

void Engine::OnToken(Choice& c, const TokenEvent& ev) {
  if (c.pending) c.job->spec.channel->Push(std::move(*c.pending));
  TokenOut t;
  t.choice = c.index;
  t.token = ev.token;
  t.piece = std::string(ev.piece);
  t.logprob = ev.logprob;
  if (c.job->spec.top_logprobs > 0 && !ev.logits.empty()) {
    for (const auto& [tok, lp] : TopLogprobs(ev.logits, ev.logit, c.job->spec.top_logprobs)) {
      t.top.push_back({tok, tokenizer_.TokenPiece(tok), lp});
    }
  }
  if (c.job->spec.records) t.record = TokenEventJson(ev);
  c.pending = std::move(t);
}

bool Engine::OnText(Choice& c, std::string_view text) {
  if (c.stop.matched()) return false;
  std::string released = c.stop.Push(text);
  if (c.pending) c.pending->text += released;
  else if (!released.empty()) c.job->spec.channel->Push(TextOut{c.index, std::move(released)});
  return !c.stop.matched();
}

void Engine::CancelGone() {
  for (auto& job : jobs_) {
    if (job->cancel_sent || !job->spec.channel->cancelled()) continue;
    for (auto& c : job->choices) scheduler_.Cancel(c->sequence);
    if (job->vote) {
      for (int id : job->vote->running()) scheduler_.Cancel(id);
    }
    job->cancel_sent = true;
  }
}

void Engine::Collect() {
  for (std::unique_ptr<Sequence>& s : scheduler_.TakeFinished()) {
    if (auto v = vote_of_sequence_.find(s->id()); v != vote_of_sequence_.end()) {
      Job& job = *v->second;
      vote_of_sequence_.erase(v);
      CollectVote(job, std::move(s));
      continue;
    }
    auto it = by_sequence_.find(s->id());
    if (it == by_sequence_.end()) continue;
    Choice& c = *it->second;
    by_sequence_.erase(it);
    Channel& ch = *c.job->spec.channel;
    if (c.pending) ch.Push(std::move(*c.pending));
    c.pending.reset();
    if (std::string rest = c.stop.Flush(); !rest.empty()) ch.Push(TextOut{c.index, std::move(rest)});
    const GenerationResult& r = s->result();
    const int tokens = static_cast<int>(r.tokens.size());
    ch.Push(ChoiceEnd{c.index, FinishReason(r.stop), tokens});
    metrics_.CountCompletion(tokens, r.state_counts);
    --c.job->open;
    Release(1);
  }
  std::erase_if(jobs_, [this](const std::unique_ptr<Job>& j) {
    if (j->open > 0) return false;
    if (j->vote) Release(j->reserved);  // a vote's places are held until it ends
    return true;
  });
}

// A vote trace finished. A cancelled vote only waits for its batch to leave.
void Engine::CollectVote(Job& job, std::unique_ptr<Sequence> s) {
  const GenerationResult& r = s->result();
  metrics_.CountCompletion(static_cast<int>(r.tokens.size()), r.state_counts);
  --job.open;
  if (job.cancel_sent) return;
  if (job.vote->Finish(std::move(s))) StartVoteBatch(job);
}

void Engine::FailAll(const std::string& message) {
  for (auto& job : jobs_) {
    job->spec.channel->Fail(message);
    Release(job->vote ? job->reserved : job->open);
  }
  scheduler_.Clear();
  jobs_.clear();
  by_sequence_.clear();
  vote_of_sequence_.clear();
  std::vector<GenerationJob> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rest.swap(inbox_);
    inbox_sequences_ = 0;
  }
  for (GenerationJob& j : rest) {
    j.channel->Fail(message);
    Release(Reserved(j));
  }
}

void Engine::Release(int sequences) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_ -= sequences;
}

void Engine::UpdateGauges() {
  int inbox = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    inbox = inbox_sequences_;
  }
  const int held = scheduler_.held();
  metrics_.SetQueue(inbox + std::max(0, held - options_.parallel), held);
}

}  // namespace entropix::server
