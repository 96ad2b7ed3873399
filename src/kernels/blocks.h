// Byte layouts of GGML's quantisation blocks, as stored in GGUF files.
// Source: ggml-common.h of ggml (MIT); each struct's size is checked against
// the type table. fp16 fields are raw IEEE half bits (see core/half.h).
//
// Element order inside a block (what dequantize_row produces):
//   Q4_0/Q4_1: qs[j] low nibble = element j, high nibble = element j+16.
//   Q5_0/Q5_1: as Q4, plus bit 4 of element j = bit j of the 32-bit qh.
//   Q4_K/Q5_K: 8 sub-blocks of 32 with 6-bit scale and min packed in
//              scales[12]; qs[32k+l] low nibble = element 64k+l, high
//              nibble = element 64k+32+l; Q5_K's qh[l] bit 2k / 2k+1 holds
//              bit 4 of elements 64k+l / 64k+32+l.
//   Q6_K:      16 sub-blocks of 16 with int8 scales; see DequantizeRowRef.
// The SIMD files use these structs but not KScaleMin: an inline function
// compiled there with -mavx2 could be the copy the linker keeps for the
// whole program (see docs/KERNELS.md, "Dispatch").
#pragma once

#include <cstdint>

namespace entropix {

inline constexpr int kQk = 32;    // elements per block of the _0/_1 formats
inline constexpr int kQkK = 256;  // elements per K-quant super-block

struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQk / 2];
};
struct BlockQ4_1 {
  uint16_t d, m;  // x = d * q + m
  uint8_t qs[kQk / 2];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQk / 2];
};
struct BlockQ5_1 {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[kQk / 2];
};
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQk];
};
// Activation partner of Q4_1/Q5_1: s = fp16(d_float * sum(qs)).
struct BlockQ8_1 {
  uint16_t d, s;
  int8_t qs[kQk];
};
struct BlockQ4_K {
  uint16_t d, dmin;  // super-block scales for the 6-bit sub-block scales/mins
  uint8_t scales[12];
  uint8_t qs[kQkK / 2];
};
struct BlockQ5_K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qh[kQkK / 8];
  uint8_t qs[kQkK / 2];
};
struct BlockQ6_K {
  uint8_t ql[kQkK / 2];  // low 4 bits
  uint8_t qh[kQkK / 4];  // high 2 bits
  int8_t scales[kQkK / 16];
  uint16_t d;
};
// Activation partner of the K-quants: d is a float; bsums[j] = sum of
// qs[16j .. 16j+15].
struct BlockQ8_K {
  float d;
  int8_t qs[kQkK];
  int16_t bsums[kQkK / 16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Unpacks the 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K
// super-block. Bytes 0-3 hold scales 0-3 (low 6 bits) and bits 4-5 of
// scales 4-7 (top 2 bits); bytes 4-7 the same for mins; bytes 8-11 the low
// 4 bits of scales 4-7 (low nibble) and mins 4-7 (high nibble).
inline void KScaleMin(const uint8_t* q, int j, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace entropix
