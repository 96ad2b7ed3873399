// Dequantisation against goldens made by the gguf Python package
// (tools/make_quant_golden.py): every type, every ISA this CPU has.
// Tolerance: exact. Both sides compute the same float32 expressions
// (e.g. Q4_K: (d * sc) * q - dmin * m), so any difference is a bug.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "test_util.h"

namespace entropix {
namespace {

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing " << path << " (run tools/make_quant_golden.py)";
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Distance in units in the last place (same-sign floats).
int64_t UlpDiff(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if (ia < 0) ia = INT32_MIN - ia;
  if (ib < 0) ib = INT32_MIN - ib;
  return std::llabs(static_cast<int64_t>(ia) - ib);
}

TEST(GoldenDequant, AllTypesAllIsas) {
  for (GgmlType t : testing::kWeightTypes) {
    const std::string base = std::string(ENTROPIX_TEST_DATA_DIR) + "/quant/" + TypeName(t);
    const std::vector<uint8_t> blocks = ReadFile(base + ".bin");
    const std::vector<uint8_t> expected_bytes = ReadFile(base + ".f32");
    const int64_t n = static_cast<int64_t>(expected_bytes.size() / 4);
    ASSERT_EQ(blocks.size(), RowBytes(t, n)) << TypeName(t);
    std::vector<float> expected(n);
    std::memcpy(expected.data(), expected_bytes.data(), expected_bytes.size());
    for (Isa isa : testing::AvailableIsas()) {
      std::vector<float> got(n);
      GetKernels(isa).dequantize_row(t, blocks.data(), got.data(), n);
      int64_t max_ulp = 0, worst = 0;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t u = got[i] == expected[i] ? 0 : UlpDiff(got[i], expected[i]);
        if (u > max_ulp) max_ulp = u, worst = i;
      }
      EXPECT_EQ(max_ulp, 0) << TypeName(t) << " " << IsaName(isa) << ": element " << worst
                            << " got " << got[worst] << " expected " << expected[worst];
      std::printf("[golden] %-5s %-7s max ulp diff %lld over %lld elements\n", TypeName(t),
                  IsaName(isa), static_cast<long long>(max_ulp), static_cast<long long>(n));
    }
  }
}

}  // namespace
}  // namespace entropix
