// entropix._entropix: the Python binding of the runtime (pybind11). The
// Python package (python/entropix/__init__.py) wraps it: Model, generate as
// a generator, logits and signals as numpy arrays. Errors (entropix::Error)
// become ValueError with the engine's message; generation releases the GIL
// and takes it back for each token's callback.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/engine_version.h"
#include "model/model.h"
#include "runtime/policy_factory.h"
#include "runtime/prompt.h"
#include "runtime/sampler_spec.h"
#include "runtime/session.h"
#include "sampling/metrics.h"
#include "sampling/profile.h"
#include "store/model_spec.h"
#include "store/model_store.h"
#include "tokenizer/tokenizer.h"

namespace py = pybind11;

namespace entropix {
namespace {

// One loaded model and one session (a fresh context per call).
class PyModel {
 public:
  // precision: auto | f32 | q8 (model/precision.h); none: ENTROPIX_ACT_PRECISION, else auto.
  PyModel(const std::string& path_or_name, int n_threads, int context, const std::optional<std::string>& precision) {
    ModelOptions options;
    if (precision) options.precision = ParsePrecisionChoice(*precision);
    model_ = Model::Load(ResolveCachedModel(path_or_name), options);
    tokenizer_ = Tokenizer::FromGguf(model_->file());
    SessionOptions so;
    so.n_threads = n_threads;
    so.context = context;
    session_ = std::make_unique<Session>(*model_, tokenizer_.get(), so);
  }

  int vocab_size() const { return model_->config().vocab_size; }
  std::string name() const { return model_->config().name; }
  int context() const { return session_->context(); }
  std::string precision() const { return ActPrecisionName(model_->precision()); }

  std::vector<int32_t> Tokenize(const std::string& text, bool add_bos) const {
    return tokenizer_->Encode(text, add_bos && tokenizer_->add_bos_default(), false);
  }
  std::string Detokenize(const std::vector<int32_t>& ids) const { return tokenizer_->Decode(ids); }

  // The prompt as `run` builds it: messages (role, content) through the
  // chat template for instruct models, raw text otherwise.
  std::vector<int32_t> EncodeMessages(const std::vector<std::pair<std::string, std::string>>& messages,
                                      bool raw) const {
    std::vector<ChatMessage> m;
    for (const auto& [role, content] : messages) m.push_back({role, content});
    PromptFormat format;
    format.force_raw = raw;
    return EncodeConversation(*model_, *tokenizer_, format, m);
  }

  // Next-token logits after ids: float32 [vocab_size].
  py::array_t<float> Logits(const std::vector<int32_t>& ids) {
    const std::span<const float> logits = FeedFresh(ids);
    py::array_t<float> out(static_cast<py::ssize_t>(logits.size()));
    std::copy(logits.begin(), logits.end(), out.mutable_data());
    return out;
  }

  // [entropy_bits, varentropy_bits] of the next-token distribution after ids.
  py::array_t<double> Signals(const std::vector<int32_t>& ids) {
    const LogitStats s = ComputeLogitStats(FeedFresh(ids));
    py::array_t<double> out(2);
    out.mutable_data()[0] = s.entropy_bits;
    out.mutable_data()[1] = s.varentropy_bits;
    return out;
  }

  // Generates after ids; on_token(dict) per token, returning True stops.
  std::string Generate(const std::vector<int32_t>& ids, const std::string& sampler, const std::string& profile,
                       int max_tokens, uint64_t seed, const py::function& on_token) {
    const ModelConfig& c = model_->config();
    const std::string default_profile = profile.empty() ? DefaultProfileFor(c.name, c.vocab_size) : profile;
    const PolicyConfig pc = ParseSamplerSpec(sampler, default_profile).config;
    const std::unique_ptr<Policy> policy = MakePolicy(pc, tokenizer_.get());
    std::atomic<bool> stop{false};
    GenerateOptions go;
    go.max_tokens = max_tokens;
    go.seed = seed;
    go.policy = policy.get();
    go.record_signals = true;
    go.cancel = &stop;
    go.on_token = [&](const TokenEvent& ev) {
      py::gil_scoped_acquire gil;
      if (py::cast<bool>(on_token(TokenDict(ev)))) stop.store(true);
    };
    session_->Reset();
    GenerationResult r;
    {
      py::gil_scoped_release release;
      r = session_->Generate(ids, go, nullptr);
    }
    return StopReasonName(r.stop);
  }

 private:
  std::span<const float> FeedFresh(const std::vector<int32_t>& ids) {
    if (ids.empty()) throw Error(ErrorCode::kInvalidArgument, "give at least one token");
    session_->Reset();
    std::span<const float> logits;
    for (size_t i = 0; i < ids.size(); i += 32) {
      logits = session_->Feed(std::span<const int32_t>(ids.data() + i, std::min<size_t>(32, ids.size() - i)));
    }
    return logits;
  }

  static py::dict TokenDict(const TokenEvent& ev) {
    py::dict d;
    d["index"] = ev.index;
    d["id"] = ev.token;
    d["text"] = py::bytes(std::string(ev.text));
    d["logprob"] = ev.logprob;
    d["entropy"] = ev.logit.entropy_bits;
    d["varentropy"] = ev.logit.varentropy_bits;
    d["attn_entropy"] = ev.attn.entropy_bits;
    d["attn_varentropy"] = ev.attn.varentropy_bits;
    d["agreement"] = ev.attn.agreement;
    d["interaction_strength"] = ev.attn.interaction_strength;
    d["state"] = StateName(ev.state);
    d["action"] = ActionName(ev.action);
    return d;
  }

  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Session> session_;
};

}  // namespace
}  // namespace entropix

PYBIND11_MODULE(_entropix, m) {
  using entropix::PyModel;
  m.doc() = "entropix engine binding (use the entropix package)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const entropix::Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("version", &entropix::EngineVersion);
  py::class_<PyModel>(m, "Model")
      .def(py::init<const std::string&, int, int, const std::optional<std::string>&>(), py::arg("path_or_name"),
           py::arg("n_threads") = 0, py::arg("context") = 4096, py::arg("precision") = py::none())
      .def_property_readonly("vocab_size", &PyModel::vocab_size)
      .def_property_readonly("name", &PyModel::name)
      .def_property_readonly("context", &PyModel::context)
      .def_property_readonly("precision", &PyModel::precision)
      .def("tokenize", &PyModel::Tokenize, py::arg("text"), py::arg("add_bos") = true)
      .def("detokenize", &PyModel::Detokenize)
      .def("encode_messages", &PyModel::EncodeMessages, py::arg("messages"), py::arg("raw") = false)
      .def("logits", &PyModel::Logits)
      .def("signals", &PyModel::Signals)
      .def("generate", &PyModel::Generate);
}
