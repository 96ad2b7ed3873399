#include "runtime/policy_factory.h"

#include "core/error.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

PolicyKind ParsePolicyKind(const std::string& name) {
  if (name == "greedy") return PolicyKind::kGreedy;
  if (name == "sample") return PolicyKind::kSample;
  if (name == "entropix") return PolicyKind::kEntropix;
  throw Error(ErrorCode::kInvalidArgument,
              "unknown sampler '" + name + "' (choose greedy, sample or entropix)");
}

std::unique_ptr<Policy> MakePolicy(const PolicyConfig& c, const Tokenizer* tokenizer) {
  switch (c.kind) {
    case PolicyKind::kGreedy: return std::make_unique<GreedyPolicy>();
    case PolicyKind::kSample: return std::make_unique<SamplePolicy>(c.sample);
    case PolicyKind::kEntropix: {
      std::vector<int32_t> pause;
      if (tokenizer) pause = ResolvePauseTokens(*tokenizer, c.profile.pause.text);
      return std::make_unique<EntropixPolicy>(c.profile, std::move(pause));
    }
  }
  return nullptr;
}

}  // namespace entropix
