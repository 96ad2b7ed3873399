#include "core/ggml_type.h"

#include "core/error.h"

namespace entropix {
namespace {

// Indexed by type id; name == nullptr marks an id GGUF does not define
// (removed Q4_2/Q4_3 and the retired Q4_0_4_4.. layouts).
constexpr GgmlTypeTraits kTypes[] = {
    {"F32", 1, 4, true},          // 0
    {"F16", 1, 2, true},          // 1
    {"Q4_0", 32, 18, true},       // 2
    {"Q4_1", 32, 20, true},       // 3
    {nullptr, 0, 0, false},       // 4
    {nullptr, 0, 0, false},       // 5
    {"Q5_0", 32, 22, true},       // 6
    {"Q5_1", 32, 24, true},       // 7
    {"Q8_0", 32, 34, true},       // 8
    {"Q8_1", 32, 36, false},      // 9  (activation type only)
    {"Q2_K", 256, 84, false},     // 10
    {"Q3_K", 256, 110, false},    // 11
    {"Q4_K", 256, 144, true},     // 12
    {"Q5_K", 256, 176, true},     // 13
    {"Q6_K", 256, 210, true},     // 14
    {"Q8_K", 256, 292, false},    // 15 (activation type only)
    {"IQ2_XXS", 256, 66, false},  // 16
    {"IQ2_XS", 256, 74, false},   // 17
    {"IQ3_XXS", 256, 98, false},  // 18
    {"IQ1_S", 256, 50, false},    // 19
    {"IQ4_NL", 32, 18, false},    // 20
    {"IQ3_S", 256, 110, false},   // 21
    {"IQ2_S", 256, 82, false},    // 22
    {"IQ4_XS", 256, 136, false},  // 23
    {"I8", 1, 1, false},          // 24
    {"I16", 1, 2, false},         // 25
    {"I32", 1, 4, false},         // 26
    {"I64", 1, 8, false},         // 27
    {"F64", 1, 8, false},         // 28
    {"IQ1_M", 256, 56, false},    // 29
    {"BF16", 1, 2, true},         // 30
    {nullptr, 0, 0, false},       // 31
    {nullptr, 0, 0, false},       // 32
    {nullptr, 0, 0, false},       // 33
    {"TQ1_0", 256, 54, false},    // 34
    {"TQ2_0", 256, 66, false},    // 35
    {nullptr, 0, 0, false},       // 36
    {nullptr, 0, 0, false},       // 37
    {nullptr, 0, 0, false},       // 38
    {"MXFP4", 32, 17, false},     // 39
};

}  // namespace

const GgmlTypeTraits* FindGgmlType(uint32_t id) {
  if (id >= sizeof(kTypes) / sizeof(kTypes[0])) return nullptr;
  return kTypes[id].name ? &kTypes[id] : nullptr;
}

const GgmlTypeTraits& TypeTraits(GgmlType type) {
  const GgmlTypeTraits* t = FindGgmlType(static_cast<uint32_t>(type));
  ENTROPIX_CHECK(t != nullptr);
  return *t;
}

const char* TypeName(GgmlType type) { return TypeTraits(type).name; }

}  // namespace entropix
