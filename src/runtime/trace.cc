#include "runtime/trace.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

using nlohmann::json;

TraceWriter::TraceWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) Fail(errno);
}

TraceWriter::~TraceWriter() {
  if (file_) std::fclose(file_);
}

void TraceWriter::Write(const json& record) {
  ENTROPIX_CHECK(file_ != nullptr);
  // Pieces can hold invalid UTF-8 (byte tokens): replaced, the id is authoritative.
  const std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  errno = 0;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) Fail(errno);
}

void TraceWriter::Close() {
  if (!file_) return;
  std::FILE* f = file_;
  file_ = nullptr;
  errno = 0;
  if (std::fclose(f) != 0) Fail(errno);
}

void TraceWriter::Fail(int error_number) const {
  throw Error(ErrorCode::kIo, "cannot write the trace file '" + path_ + "': " +
                                  (error_number ? std::strerror(error_number) : "write failed"));
}

json TraceStartRecord(const TraceStart& s) {
  json start = {{"event", "start"},
                {"model", s.model},
                {"file", s.file},
                {"sampler", s.sampler},
                {"seed", s.seed},
                {"prompt_tokens", s.prompt_tokens},
                {"units", {{"entropy", "bits"}, {"varentropy", "bits^2"}, {"logprob", "nats"}}}};
  if (!s.profile.empty()) start["profile"] = s.profile;
  return start;
}

json TraceEndRecord(const GenerationResult& r) {
  const int n = static_cast<int>(r.tokens.size());
  json end = {{"event", "end"},
              {"tokens", n},
              {"stop", StopReasonName(r.stop)},
              {"pauses", r.pauses_inserted},
              {"branches", r.branches.size()},
              {"branch_extra_forwards", r.branch_extra_forwards},
              {"forward_passes", r.forward_passes},
              {"decode_tokens_per_s", n / std::max(r.decode_seconds, 1e-9)},
              {"sampler_share_of_decode", r.sampler_seconds / std::max(r.decode_seconds, 1e-9)}};
  json states;
  for (int s = 0; s < kNumStates; ++s) states[StateName(static_cast<State>(s))] = r.state_counts[s];
  end["states"] = states;
  return end;
}

SignalSample SignalSampleOf(const TokenEvent& ev) {
  SignalSample s;
  s.entropy = ev.logit.entropy_bits;
  s.varentropy = ev.logit.varentropy_bits;
  s.attn_entropy = ev.attn.entropy_bits;
  s.attn_varentropy = ev.attn.varentropy_bits;
  s.attn_head_varentropy = ev.attn.head_varentropy_bits;
  s.agreement = ev.attn.agreement;
  s.interaction_strength = ev.attn.interaction_strength;
  return s;
}

json TokenEventJson(const TokenEvent& ev) {
  json j;
  j["index"] = ev.index;
  j["position"] = ev.position;
  j["token"] = ev.token;
  // Pieces can be partial UTF-8 (byte tokens): JSON needs valid UTF-8, so
  // invalid bytes are replaced (the id is authoritative).
  j["piece"] = json(std::string(ev.piece));
  j["logprob"] = ev.logprob;
  if (ev.has_logit_stats) {
    j["entropy"] = ev.logit.entropy_bits;
    j["varentropy"] = ev.logit.varentropy_bits;
  } else {
    j["entropy"] = nullptr;
    j["varentropy"] = nullptr;
  }
  if (ev.attn.present) {
    j["attn_entropy"] = ev.attn.entropy_bits;
    j["attn_varentropy"] = ev.attn.varentropy_bits;
    j["attn_head_varentropy"] = ev.attn.head_varentropy_bits;
    j["agreement"] = ev.attn.agreement;
    j["interaction_strength"] = ev.attn.interaction_strength;
  } else {
    for (const char* k : {"attn_entropy", "attn_varentropy", "attn_head_varentropy", "agreement",
                          "interaction_strength"}) {
      j[k] = nullptr;
    }
  }
  j["state"] = StateName(ev.state);
  j["action"] = ActionName(ev.action);
  j["temperature"] = ev.params.temperature;
  j["top_k"] = ev.params.top_k;
  j["top_p"] = ev.params.top_p;
  j["min_p"] = ev.params.min_p;
  if (ev.branch_event >= 0) j["branch_event"] = ev.branch_event;
  return j;
}

json BranchEventJson(const BranchEvent& ev, const Tokenizer* tokenizer) {
  json j;
  j["event"] = "branch";
  j["index"] = ev.index;
  j["position"] = ev.position;
  j["entropy"] = ev.entropy;
  j["varentropy"] = ev.varentropy;
  j["winner"] = ev.outcome.winner;
  j["forwards"] = ev.outcome.forwards;
  j["extra_forwards"] = ev.outcome.extra_forwards;
  json branches = json::array();
  for (const BranchRollout& b : ev.outcome.branches) {
    json o;
    o["tokens"] = b.tokens;
    if (tokenizer) o["text"] = tokenizer->Decode(b.tokens);
    o["score"] = b.score;
    o["logprobs"] = b.logprobs;
    o["forwards"] = b.forwards;
    o["ended_by_end"] = b.ended_by_end;
    branches.push_back(std::move(o));
  }
  j["branches"] = std::move(branches);
  return j;
}

std::string StateMixSummary(const GenerationResult& r) {
  int total = 0;
  for (int n : r.state_counts) total += n;
  std::string out;
  char buf[64];
  for (int s = 0; s < kNumStates; ++s) {
    const int n = r.state_counts[s];
    if (n == 0) continue;
    std::snprintf(buf, sizeof buf, "%s%s %d (%.0f%%)", out.empty() ? "" : ", ",
                  StateName(static_cast<State>(s)), n, 100.0 * n / std::max(total, 1));
    out += buf;
  }
  if (out.empty()) out = "no tokens";
  std::snprintf(buf, sizeof buf, " | pauses %d", r.pauses_inserted);
  out += buf;
  if (!r.branches.empty()) {
    std::snprintf(buf, sizeof buf, " | branches %zu (+%d forward passes)", r.branches.size(),
                  r.branch_extra_forwards);
    out += buf;
  }
  return out;
}

}  // namespace entropix
