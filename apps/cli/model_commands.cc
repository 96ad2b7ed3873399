#include "model_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "core/ggml_type.h"
#include "io/gguf.h"
#include "model/archs/registry.h"
#include "model/model.h"
#include "store/model_store.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace fs = std::filesystem;
namespace {

// What `list`, `show` and `inspect --json` say about one GGUF file.
struct ModelSummary {
  std::string name, file, path, arch, general_name, quant, chat_template = "none (base model)";
  uint64_t file_bytes = 0, parameters = 0;
  int64_t context = 0;
  std::map<std::string, uint64_t> bytes_per_type;  // the quant mix
  bool runnable = false;
  std::string why_not;  // when not runnable
};

std::string ChatTemplateOf(const GgufFile& f) {
  const std::string_view tmpl = f.GetStringOr("tokenizer.chat_template", "");
  if (tmpl.empty()) return "none (base model)";
  try {
    return ChatFormatName(DetectChatTemplate(tmpl).format);
  } catch (const Error& e) {
    return std::string("unrecognised: ") + e.what();
  }
}

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

nlohmann::json ToJson(const ModelSummary& s) {
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

}  // namespace

CLI::App* AddListCommand(CLI::App& app, ListArgs& a) {
  CLI::App* cmd = app.add_subcommand("list", "List the cached models: name, file, quant, size, architecture, "
                                             "whether entropix can run each (and why not)");
  cmd->add_flag("--json", a.json, "A JSON array");
  return cmd;
}

CLI::App* AddRmCommand(CLI::App& app, RmArgs& a) {
  CLI::App* cmd = app.add_subcommand("rm", "Remove a model from the cache");
  cmd->add_option("name", a.name, "A name as `entropix list` shows it")->required();
  return cmd;
}

CLI::App* AddShowCommand(CLI::App& app, ShowArgs& a) {
  CLI::App* cmd = app.add_subcommand("show", "Summarise a model: parameters, context, template, quant mix");
  cmd->add_option("name", a.name, "A known model name (cached) or a .gguf path")->required();
  cmd->add_flag("--tensors", a.tensors, "Also print the tensor table");
  cmd->add_flag("--json", a.json, "The summary as a JSON object");
  return cmd;
}

int ListCommand(const ListArgs& a) {
  const std::vector<ModelSummary> models = CachedModels();
  if (a.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const ModelSummary& s : models) arr.push_back(ToJson(s));
    std::printf("%s\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (models.empty()) {
    std::printf("no models in %s yet: `entropix pull --list` shows what can be downloaded\n",
                ModelCacheDir().c_str());
    return 0;
  }
  std::printf("%-22s %-42s %-6s %9s %-8s %s\n", "NAME", "FILE", "QUANT", "SIZE", "ARCH", "RUNNABLE");
  for (const ModelSummary& s : models) {
    std::printf("%-22s %-42s %-6s %9s %-8s %s\n", s.name.c_str(), s.file.c_str(), s.quant.c_str(),
                HumanBytes(s.file_bytes).c_str(), s.arch.c_str(), s.runnable ? "yes" : ("no: " + s.why_not).c_str());
  }
  return 0;
}

int RmCommand(const RmArgs& a) {
  for (const ModelSummary& s : CachedModels()) {
    if (s.name != a.name && s.file != a.name) continue;
    std::error_code ec;
    fs::remove(s.path, ec);
    if (ec) throw Error(ErrorCode::kIo, "cannot remove '" + s.path + "': " + ec.message());
    fs::remove(s.path + ".sha256", ec);  // the verification marker; absent is fine
    std::printf("removed %s (%s)\n", s.name.c_str(), s.path.c_str());
    return 0;
  }
  throw Error(ErrorCode::kNotFound, "no model named '" + a.name +
                                        "' in the cache; `entropix list` shows the names rm takes");
}

int ShowCommand(const ShowArgs& a) {
  const std::string path = ResolveExisting(a.name);
  const ModelSummary s = Summarize(path, a.name);
  if (a.json) {
    std::printf("%s\n", ToJson(s).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return s.runnable ? 0 : 2;
  }
  std::printf("%s (%s)\n", s.name.c_str(), s.general_name.c_str());
  std::printf("  file          %s, %s\n", s.path.c_str(), HumanBytes(s.file_bytes).c_str());
  std::printf("  architecture  %s\n  parameters    %s\n  context       %lld tokens\n", s.arch.c_str(),
              HumanCount(s.parameters).c_str(), static_cast<long long>(s.context));
  std::printf("  chat template %s\n  quant mix    ", s.chat_template.c_str());
  uint64_t total = 0;
  for (const auto& kv : s.bytes_per_type) total += kv.second;
  for (const auto& [type, bytes] : s.bytes_per_type) {
    std::printf(" %s %.1f%%", type.c_str(), 100.0 * bytes / std::max<uint64_t>(total, 1));
  }
  std::printf(" (of tensor bytes)\n  runnable      %s\n", s.runnable ? "yes" : ("no: " + s.why_not).c_str());
  if (a.tensors) {
    auto file = GgufFile::Open(path);
    std::printf("\n%-40s %-6s %-24s %12s\n", "TENSOR", "TYPE", "SHAPE", "BYTES");
    for (const GgufTensorInfo& t : file->tensors()) {
      std::string shape;
      for (int d = 0; d < t.n_dims; ++d) shape += (d ? " x " : "") + std::to_string(t.ne[d]);
      std::printf("%-40.*s %-6s %-24s %12llu\n", static_cast<int>(t.name.size()), t.name.data(), TypeName(t.type),
                  shape.c_str(), static_cast<unsigned long long>(t.nbytes));
    }
  }
  return s.runnable ? 0 : 2;
}

int PullListJson() {
  nlohmann::json arr = nlohmann::json::array();
  for (const ModelSpec& m : KnownModels()) {
    std::error_code ec;
    const std::string why = CannotRunReason(m);
    nlohmann::json j = {{"name", m.name},
                        {"file", m.file_name},
                        {"architecture", m.architecture},
                        {"description", m.description},
                        {"cached", fs::exists(CachedModelPath(m), ec)},
                        {"runnable", why.empty()}};
    if (!why.empty()) j["why_not"] = why;
    arr.push_back(j);
  }
  std::printf("%s\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

int InspectJson(const InspectArgs& a) {
  std::string path = a.path;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    if (const ModelSpec* spec = FindModelSpec(path)) path = CachedModelPath(*spec);
  }
  auto file = GgufFile::Open(path);
  nlohmann::json meta = nlohmann::json::object();
  for (const GgufKeyValue& kv : file->metadata()) {
    const std::string key(kv.key);
    const GgufValue& v = kv.value;
    const bool is_signed = v.type == GgufValueType::kInt8 || v.type == GgufValueType::kInt16 ||
                           v.type == GgufValueType::kInt32 || v.type == GgufValueType::kInt64;
    if (v.type == GgufValueType::kBool) meta[key] = v.scalar.u64 != 0;
    else if (v.is_integer()) meta[key] = is_signed ? nlohmann::json(v.scalar.i64) : nlohmann::json(v.scalar.u64);
    else if (v.is_float()) meta[key] = v.scalar.f64;
    else if (v.type == GgufValueType::kString) meta[key] = std::string(v.str);
    else meta[key] = {{"array_of", GgufValueTypeName(v.array.elem_type())}, {"count", v.array.size()}};
  }
  nlohmann::json tensors = nlohmann::json::array();
  for (const GgufTensorInfo& t : file->tensors()) {
    tensors.push_back({{"name", std::string(t.name)},
                       {"type", TypeName(t.type)},
                       {"shape", std::vector<int64_t>(t.ne, t.ne + t.n_dims)},
                       {"bytes", t.nbytes}});
  }
  const ModelSummary s = Summarize(path, a.path);
  nlohmann::json out = {{"file", path},          {"version", file->version()}, {"metadata", meta},
                        {"tensors", tensors},    {"summary", ToJson(s)}};
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return s.runnable ? 0 : 2;
}

}  // namespace entropix
