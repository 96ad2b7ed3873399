// Our GGUF reader against dumps made by the `gguf` Python package
// (tools/make_gguf_golden.py; JSON under tests/golden/gguf/): header fields,
// every metadata key in order with its type and value (arrays: element type,
// length, first and last elements), and every tensor's name, type, shape,
// offset, size and first data bytes.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/gguf.h"
#include "io/gguf_dump.h"

namespace entropix {
namespace {

using nlohmann::json;

std::string ModelDir() {
  if (const char* dir = std::getenv("ENTROPIX_MODEL_DIR")) return dir;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/entropix/models";
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

std::string Upper(const char* s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// gguf-py names types as our names in upper case (UINT32, FLOAT32, STRING...).
void ExpectElement(const GgufValue& v, const json& want, const std::string& where) {
  SCOPED_TRACE(where);
  switch (v.type) {
    case GgufValueType::kUint8: case GgufValueType::kUint16:
    case GgufValueType::kUint32: case GgufValueType::kUint64:
      EXPECT_EQ(v.scalar.u64, want.get<uint64_t>());
      break;
    case GgufValueType::kInt8: case GgufValueType::kInt16:
    case GgufValueType::kInt32: case GgufValueType::kInt64:
      EXPECT_EQ(v.scalar.i64, want.get<int64_t>());
      break;
    case GgufValueType::kFloat32: case GgufValueType::kFloat64:
      // Exact: the JSON holds the float widened to double, printed round-trip.
      EXPECT_EQ(v.scalar.f64, want.get<double>());
      break;
    case GgufValueType::kBool:
      EXPECT_EQ(v.scalar.u64 != 0, want.get<bool>());
      break;
    case GgufValueType::kString:
      if (want.is_object()) {  // not valid UTF-8: compared as hex
        EXPECT_EQ(Hex(reinterpret_cast<const uint8_t*>(v.str.data()), v.str.size()),
                  want.at("hex").get<std::string>());
      } else {
        EXPECT_EQ(v.str, want.get<std::string>());
      }
      break;
    case GgufValueType::kArray:
      ADD_FAILURE() << "nested arrays are not in the golden files";
      break;
  }
}

void CompareWithGolden(const std::string& model_path, const std::string& golden_name) {
  std::ifstream in(std::string(ENTROPIX_TEST_DATA_DIR) + "/gguf/" + golden_name);
  ASSERT_TRUE(in) << "missing golden " << golden_name << "; run tools/make_gguf_golden.py";
  const json golden = json::parse(in);
  const auto file = GgufFile::Open(model_path);

  EXPECT_EQ(file->file_size(), golden.at("file_size").get<uint64_t>());
  EXPECT_EQ(file->version(), golden.at("version").get<uint32_t>());
  EXPECT_EQ(file->alignment(), golden.at("alignment").get<uint64_t>());
  EXPECT_EQ(file->data_offset(), golden.at("data_offset").get<uint64_t>());

  const json& meta = golden.at("metadata");
  ASSERT_EQ(file->metadata().size(), meta.size());
  for (size_t i = 0; i < meta.size(); ++i) {
    const json& want = meta[i];
    const GgufKeyValue& kv = file->metadata()[i];
    const std::string key = want.at("key").get<std::string>();
    SCOPED_TRACE("metadata " + key);
    ASSERT_EQ(kv.key, key);
    EXPECT_EQ(file->Find(key), &kv.value);
    EXPECT_EQ(Upper(GgufValueTypeName(kv.value.type)), want.at("type").get<std::string>());
    if (kv.value.type != GgufValueType::kArray) {
      ExpectElement(kv.value, want.at("value"), key);
      continue;
    }
    EXPECT_EQ(Upper(GgufValueTypeName(kv.value.array.elem_type())), want.at("elem_type").get<std::string>());
    const GgufArray& arr = kv.value.array;
    ASSERT_EQ(arr.size(), want.at("length").get<size_t>());
    const json& head = want.at("head");
    for (size_t j = 0; j < head.size(); ++j) ExpectElement(arr[j], head[j], key + "[" + std::to_string(j) + "]");
    const size_t tail_start = want.at("tail_start").get<size_t>();
    const json& tail = want.at("tail");
    for (size_t j = 0; j < tail.size(); ++j) {
      ExpectElement(arr[tail_start + j], tail[j], key + "[" + std::to_string(tail_start + j) + "]");
    }
  }

  const json& tensors = golden.at("tensors");
  ASSERT_EQ(file->tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const json& want = tensors[i];
    const GgufTensorInfo& t = file->tensors()[i];
    const std::string name = want.at("name").get<std::string>();
    SCOPED_TRACE("tensor " + name);
    ASSERT_EQ(t.name, name);
    EXPECT_EQ(file->FindTensor(name), &t);
    EXPECT_EQ(static_cast<uint32_t>(t.type), want.at("type").get<uint32_t>());
    const json& shape = want.at("shape");
    ASSERT_EQ(static_cast<size_t>(t.n_dims), shape.size());
    for (int d = 0; d < 4; ++d) {
      EXPECT_EQ(t.ne[d], d < t.n_dims ? shape[d].get<int64_t>() : 1) << "dim " << d;
    }
    EXPECT_EQ(t.offset, want.at("offset").get<uint64_t>());
    EXPECT_EQ(t.nbytes, want.at("n_bytes").get<uint64_t>());
    const std::string prefix = want.at("data_prefix_hex").get<std::string>();
    ASSERT_LE(prefix.size() / 2, t.nbytes);
    EXPECT_EQ(Hex(t.data, prefix.size() / 2), prefix);
  }

  // The listing's totals, against a sum over the golden shapes.
  uint64_t params = 0;
  for (const json& t : tensors) {
    uint64_t n = 1;
    for (const json& d : t.at("shape")) n *= d.get<uint64_t>();
    params += n;
  }
  const std::string text = DescribeGguf(*file);
  EXPECT_NE(text.find("tensors (" + std::to_string(tensors.size()) + ")"), std::string::npos);
  const std::string digits = std::to_string(params);
  std::string grouped;  // 1234567 -> 1,234,567
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  EXPECT_NE(text.find(grouped + " parameters"), std::string::npos) << text.substr(text.rfind("totals"));
}

TEST(GgufGolden, Stories260K) {
  CompareWithGolden(std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf", "stories260K.json");
}

TEST(GgufGolden, SmolLM2Q4_1) {
  const std::string path = ModelDir() + "/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!std::filesystem::exists(path)) {
    const char* require = std::getenv("ENTROPIX_REQUIRE_MODELS");
    if (require != nullptr && std::string(require) == "1") {
      FAIL() << path << " is missing and ENTROPIX_REQUIRE_MODELS=1";
    }
    GTEST_SKIP() << path << " not found (set ENTROPIX_MODEL_DIR or download the default model)";
  }
  CompareWithGolden(path, "SmolLM2-135M-Instruct.Q4_1.json");
}

}  // namespace
}  // namespace entropix
