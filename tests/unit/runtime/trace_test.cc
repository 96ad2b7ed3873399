// The trace file: whole lines, flushed per record, and failed writes are
// Errors naming the file (issue #12 item 7: `--trace /dev/full` exited 0).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "runtime/trace.h"

namespace entropix {
namespace {

TEST(TraceWriter, EachRecordIsOnDiskAtOnce) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("entropix_trace_" + std::to_string(::getpid()) + ".jsonl")).string();
  TraceWriter w(path);
  w.Write({{"event", "start"}});
  w.Write({{"piece", std::string("\xff")}});  // invalid UTF-8 is replaced, not thrown
  std::ifstream in(path);
  std::string a, b;
  ASSERT_TRUE(std::getline(in, a) && std::getline(in, b));  // before Close: flushed per record
  EXPECT_EQ(a, R"({"event":"start"})");
  EXPECT_EQ(b, "{\"piece\":\"\xef\xbf\xbd\"}");
  w.Close();
  std::filesystem::remove(path);
}

TEST(TraceWriter, FailedWritesAreErrorsNamingTheFile) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  if (std::filesystem::exists("/dev/full")) {
    TraceWriter w("/dev/full");
    const std::string m = message([&] { w.Write({{"event", "start"}}); });
    EXPECT_NE(m.find("'/dev/full'"), std::string::npos) << m;
    EXPECT_NE(m.find("No space left"), std::string::npos) << m;
  }
  const std::string m = message([] { TraceWriter w("/nonexistent-dir/t.jsonl"); });
  EXPECT_NE(m.find("cannot write the trace file '/nonexistent-dir/t.jsonl'"), std::string::npos) << m;
}

// The start and end records of `run --trace` (their shape is what
// tests/e2e and the web page read).
TEST(TraceRecords, StartAndEnd) {
  TraceStart st{"SmolLM2", "m.gguf", "entropix", "", 7, 12};
  EXPECT_EQ(TraceStartRecord(st).dump(),
            R"({"event":"start","file":"m.gguf","model":"SmolLM2","prompt_tokens":12,"sampler":"entropix","seed":7,)"
            R"("units":{"entropy":"bits","logprob":"nats","varentropy":"bits^2"}})");
  st.profile = "entropix-g2";
  EXPECT_EQ(TraceStartRecord(st)["profile"], "entropix-g2");

  GenerationResult r;
  r.tokens = {5, 6, 7, 8};
  r.stop = StopReason::kMaxTokens;
  r.decode_seconds = 2.0;
  r.sampler_seconds = 0.5;
  r.forward_passes = 9;
  r.state_counts[static_cast<int>(State::kFlowing)] = 3;
  r.state_counts[static_cast<int>(State::kAdaptive)] = 1;
  const nlohmann::json end = TraceEndRecord(r);
  EXPECT_EQ(end["event"], "end");
  EXPECT_EQ(end["tokens"], 4);
  EXPECT_EQ(end["stop"], StopReasonName(StopReason::kMaxTokens));
  EXPECT_EQ(end["forward_passes"], 9);
  EXPECT_EQ(end["decode_tokens_per_s"], 2.0);
  EXPECT_EQ(end["sampler_share_of_decode"], 0.25);
  EXPECT_EQ(end["states"]["flowing"], 3);
  EXPECT_EQ(end["states"]["adaptive"], 1);
  EXPECT_EQ(end["states"].size(), static_cast<size_t>(kNumStates));
}

TEST(TraceRecords, SignalSampleOfAToken) {
  TokenEvent ev;
  ev.logit.entropy_bits = 1.5;
  ev.logit.varentropy_bits = 2.5;
  ev.attn.present = true;
  ev.attn.entropy_bits = 3.5;
  ev.attn.varentropy_bits = 4.5;
  ev.attn.head_varentropy_bits = 5.5;
  ev.attn.agreement = 0.25;
  ev.attn.interaction_strength = 0.75;
  const SignalSample s = SignalSampleOf(ev);
  EXPECT_EQ(s.entropy, 1.5);
  EXPECT_EQ(s.varentropy, 2.5);
  EXPECT_EQ(s.attn_entropy, 3.5);
  EXPECT_EQ(s.attn_varentropy, 4.5);
  EXPECT_EQ(s.attn_head_varentropy, 5.5);
  EXPECT_EQ(s.agreement, 0.25);
  EXPECT_EQ(s.interaction_strength, 0.75);
}

}  // namespace
}  // namespace entropix
