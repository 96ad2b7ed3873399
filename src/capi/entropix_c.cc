// The C API (include/entropix.h) over the C++ runtime: every entry point
// catches at the boundary and turns an Error into a return code and a
// message, so that no exception crosses into C.
#include "entropix.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/engine_version.h"
#include "model/model.h"
#include "runtime/policy_factory.h"
#include "runtime/prompt.h"
#include "runtime/sampler_spec.h"
#include "runtime/session.h"
#include "sampling/profile.h"
#include "store/model_spec.h"
#include "store/model_store.h"
#include "tokenizer/tokenizer.h"

struct entropix_model {
  std::unique_ptr<entropix::Model> model;
  std::unique_ptr<entropix::Tokenizer> tokenizer;
};

namespace {

using namespace entropix;

void SetError(char* err, size_t err_len, const std::string& message) {
  if (!err || err_len == 0) return;
  const size_t n = std::min(message.size(), err_len - 1);
  std::memcpy(err, message.data(), n);
  err[n] = '\0';
}

// Runs f, turning any exception into `failed` and a message.
template <typename T, typename F>
T Guard(char* err, size_t err_len, T failed, F f) {
  try {
    return f();
  } catch (const Error& e) {
    SetError(err, err_len, e.what());
  } catch (const std::bad_alloc&) {
    SetError(err, err_len, "out of memory; try a smaller context");
  } catch (const std::exception& e) {
    SetError(err, err_len, std::string("internal: ") + e.what() + " (please report this)");
  }
  return failed;
}

SessionOptions SessionOf(const entropix_options& o) {
  SessionOptions so;
  so.n_threads = std::max(0, o.n_threads);
  so.context = o.context > 0 ? o.context : 4096;
  return so;
}

std::vector<int32_t> PromptIds(const entropix_model& m, const char* prompt, const entropix_options& o) {
  std::vector<ChatMessage> messages;
  const std::string system = o.system_prompt ? o.system_prompt : kDefaultSystemPrompt;
  if (o.chat && !system.empty()) messages.push_back({"system", system});
  messages.push_back({"user", prompt});
  PromptFormat format;
  format.force_raw = o.chat == 0;
  return EncodeConversation(*m.model, *m.tokenizer, format, messages);
}

entropix_token TokenOf(const TokenEvent& ev) {
  entropix_token t{};
  t.index = ev.index;
  t.id = ev.token;
  t.text = ev.text.data() ? ev.text.data() : "";
  t.text_len = ev.text.size();
  t.logprob = ev.logprob;
  t.entropy = ev.logit.entropy_bits;
  t.varentropy = ev.logit.varentropy_bits;
  t.has_attention = ev.attn.present ? 1 : 0;
  t.attn_entropy = ev.attn.entropy_bits;
  t.attn_varentropy = ev.attn.varentropy_bits;
  t.attn_agreement = ev.attn.agreement;
  t.attn_interaction_strength = ev.attn.interaction_strength;
  t.state = StateName(ev.state);
  t.action = ActionName(ev.action);
  return t;
}

}  // namespace

extern "C" {

void entropix_default_options(entropix_options* o) {
  if (!o) return;
  *o = entropix_options{};
  o->sampler = "greedy";
  o->max_tokens = 256;
  o->context = 4096;
  o->chat = 1;
  o->signals = 1;
}

const char* entropix_version(void) {
  static const std::string version = EngineVersion();
  return version.c_str();
}

entropix_model* entropix_load(const char* path_or_name, char* err, size_t err_len) {
  return entropix_load_with_precision(path_or_name, nullptr, err, err_len);
}

entropix_model* entropix_load_with_precision(const char* path_or_name, const char* precision, char* err,
                                             size_t err_len) {
  if (!path_or_name) {
    SetError(err, err_len, "entropix_load: no path given");
    return nullptr;
  }
  return Guard<entropix_model*>(err, err_len, nullptr, [&] {
    ModelOptions options;
    if (precision) options.precision = ParsePrecisionChoice(precision);
    auto m = std::make_unique<entropix_model>();
    m->model = Model::Load(ResolveCachedModel(path_or_name), options);
    m->tokenizer = Tokenizer::FromGguf(m->model->file());
    return m.release();
  });
}

const char* entropix_precision(const entropix_model* model) {
  return model ? ActPrecisionName(model->model->precision()) : nullptr;
}

void entropix_free(entropix_model* model) { delete model; }

int entropix_vocab_size(const entropix_model* model) { return model ? model->model->config().vocab_size : -1; }

int entropix_tokenize(const entropix_model* model, const char* text, int add_bos, int32_t* out, int capacity) {
  if (!model || !text || (capacity > 0 && !out)) return -1;
  return Guard<int>(nullptr, 0, -1, [&] {
    const bool bos = add_bos != 0 && model->tokenizer->add_bos_default();
    const std::vector<int32_t> ids = model->tokenizer->Encode(text, bos, /*parse_special=*/false);
    std::copy_n(ids.begin(), std::min<size_t>(ids.size(), std::max(capacity, 0)), out);
    return static_cast<int>(ids.size());
  });
}

int entropix_generate(entropix_model* model, const char* prompt, const entropix_options* options,
                      entropix_token_callback on_token, void* user_data, char* err, size_t err_len) {
  if (!model || !prompt) {
    SetError(err, err_len, "entropix_generate: a model and a prompt are required");
    return -1;
  }
  entropix_options o;
  entropix_default_options(&o);
  if (options) o = *options;
  return Guard<int>(err, err_len, -1, [&] {
    const ModelConfig& c = model->model->config();
    const std::string spec = o.sampler ? o.sampler : "greedy";
    const PolicyConfig pc = ParseSamplerSpec(spec, DefaultProfileFor(c.name, c.vocab_size)).config;
    const std::unique_ptr<Policy> policy = MakePolicy(pc, model->tokenizer.get());
    Session session(*model->model, model->tokenizer.get(), SessionOf(o));
    GenerateOptions go;
    go.max_tokens = o.max_tokens > 0 ? o.max_tokens : 256;
    go.seed = o.seed;
    go.policy = policy.get();
    go.record_signals = o.signals != 0;
    std::atomic<bool> stop{false};
    go.cancel = &stop;
    go.on_token = [&](const TokenEvent& ev) {
      if (on_token && !stop.load()) {
        const entropix_token t = TokenOf(ev);
        if (on_token(&t, user_data) != 0) stop.store(true);
      }
    };
    const GenerationResult r = session.Generate(PromptIds(*model, prompt, o), go, nullptr);
    return static_cast<int>(r.tokens.size());
  });
}

int entropix_logits(entropix_model* model, const int32_t* ids, int n_ids, float* out, char* err, size_t err_len) {
  if (!model || !ids || n_ids <= 0 || !out) {
    SetError(err, err_len, "entropix_logits: a model, at least one token id and an output buffer are required");
    return -1;
  }
  return Guard<int>(err, err_len, -1, [&] {
    SessionOptions so;
    so.context = std::max(n_ids, 16);
    Session session(*model->model, model->tokenizer.get(), so);
    // In chunks of the session's batch rows (SessionOptions::max_batch).
    std::span<const float> logits;
    for (int i = 0; i < n_ids; i += so.max_batch) {
      logits = session.Feed(std::span<const int32_t>(ids + i, std::min(so.max_batch, n_ids - i)));
    }
    std::copy(logits.begin(), logits.end(), out);
    return 0;
  });
}

}  // extern "C"
