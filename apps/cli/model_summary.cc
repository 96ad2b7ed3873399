// What `list`, `show` and `inspect --json` say about a GGUF file, and the
// cached models (model_summary.h).
#include "model_summary.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/error.h"
#include "core/ggml_type.h"
#include "io/gguf.h"
#include "model/archs/registry.h"
#include "model/model.h"
#include "store/model_spec.h"
#include "store/model_store.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace fs = std::filesystem;

namespace {

std::string ChatTemplateOf(const GgufFile& f) {
  const std::string_view tmpl = f.GetStringOr("tokenizer.chat_template", "");
  if (tmpl.empty()) return "none (base model)";
  try {
    return ChatFormatName(DetectChatTemplate(tmpl).format);
  } catch (const Error& e) {
    return std::string("unrecognised: ") + e.what();
  }
}

}  // namespace

// The summary of the file at `path`; a file that does not parse is
// reported (not runnable, why), not thrown, so one bad file does not hide
// the others from `list`.
ModelSummary Summarize(const std::string& path, const std::string& name) {
  ModelSummary s;
  s.name = name;
  s.path = path;
  s.file = fs::path(path).filename().string();
  std::error_code ec;
  s.file_bytes = fs::file_size(path, ec);
  if (ec) s.file_bytes = 0;
  try {
    auto file = GgufFile::Open(path);
    s.arch = std::string(file->GetStringOr("general.architecture", "?"));
    s.general_name = std::string(file->GetStringOr("general.name", ""));
    s.context = file->GetI64Or(s.arch + ".context_length", 0);
    for (const GgufTensorInfo& t : file->tensors()) {
      s.parameters += static_cast<uint64_t>(t.n_elements());
      s.bytes_per_type[TypeName(t.type)] += t.nbytes;
    }
    s.quant = std::max_element(s.bytes_per_type.begin(), s.bytes_per_type.end(),
                               [](const auto& x, const auto& y) { return x.second < y.second; })->first;
    s.chat_template = ChatTemplateOf(*file);
    auto model = Model::Load(std::move(file));
    Tokenizer::FromGguf(model->file());
    s.runnable = true;
  } catch (const Error& e) {
    s.why_not = e.what();
  }
  return s;
}

std::string HumanBytes(uint64_t b) {
  char buf[32];
  if (b >= (uint64_t{1} << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", b / 1e9);
  else std::snprintf(buf, sizeof buf, "%.0f MB", b / 1e6);
  return buf;
}

std::string HumanCount(uint64_t n) {
  char buf[32];
  if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.0fM", n / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0fK", n / 1e3);
  return buf;
}

nlohmann::json SummaryJson(const ModelSummary& s) {
  nlohmann::json mix = nlohmann::json::object();
  for (const auto& [type, bytes] : s.bytes_per_type) mix[type] = bytes;
  nlohmann::json j = {{"name", s.name},         {"file", s.file},          {"path", s.path},
                      {"architecture", s.arch}, {"general_name", s.general_name},
                      {"quant", s.quant},       {"size_bytes", s.file_bytes},
                      {"parameters", s.parameters}, {"context_length", s.context},
                      {"chat_template", s.chat_template}, {"quant_mix_bytes", mix},
                      {"runnable", s.runnable}};
  if (!s.runnable) j["why_not"] = s.why_not;
  return j;
}

// The cached GGUF files, each under its known model name (else its stem).
std::vector<ModelSummary> CachedModels() {
  std::vector<ModelSummary> out;
  const fs::path dir = ModelCacheDir();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".gguf" && entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    std::string name = p.stem().string();
    for (const ModelSpec& m : KnownModels()) {
      if (m.file_name == p.filename().string()) name = m.name;
    }
    out.push_back(Summarize(p.string(), name));
  }
  return out;
}

// Whether entropix can run a model of this catalogue entry, before it is
// downloaded: its architecture is in the registry. "" when it can.
std::string CannotRunReason(const ModelSpec& m) {
  if (FindArch(m.architecture)) return "";
  return "architecture '" + m.architecture + "' is not supported yet";
}

// A model argument as `show` takes it: a path, or a known name (cached).
std::string ResolveExisting(const std::string& name) {
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return name;
  if (const ModelSpec* spec = FindModelSpec(name)) {
    const std::string path = CachedModelPath(*spec);
    if (fs::is_regular_file(path, ec)) return path;
    throw Error(ErrorCode::kNotFound, "'" + name + "' is not downloaded yet: `entropix pull " + spec->name + "`");
  }
  throw Error(ErrorCode::kNotFound, "no model file or known model named '" + name +
                                        "' (`entropix list` lists the cached ones, `entropix pull --list` the known)");
}

}  // namespace entropix
