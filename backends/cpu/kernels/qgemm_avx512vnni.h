/*===- qgemm_avx512vnni.h - The 12 x 32 VPDPBUSD microkernel of qgemm.c ------===
 *
 * Included by qgemm.c when the build compiles it a second time with
 * -DLLMC_KERNEL_VARIANT_AVX512VNNI and the AVX-512 F, BW, VL and VNNI features. It defines what
 * qgemm.c's generic section defines: the tile height and llmc_qgemm_micro.
 *
 * A 12 x 32 tile of C is 24 zmm accumulators of int32. Per group of four k, the two 64-byte
 * vectors of the packed B panel hold four signed bytes for each of 32 columns; each row's four
 * unsigned bytes of A are broadcast, and one VPDPBUSD adds the four products to each column's
 * lane: 24 instructions do 3,072 multiply-adds, four times the f32 FMA microkernel's rate.
 * VPDPBUSD does not saturate, so the sums wrap modulo 2^32 as the generic kernel's do.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_QGEMM_AVX512VNNI_H_
#define LLMC_QGEMM_AVX512VNNI_H_

#include <immintrin.h>

#include "kernel_support.h"

#define LLMC_QGEMM_MR 12

/// acc[i][j] = sum over `groups` groups of four k of a[g][i][0..3] * b[g][j][0..3] (unsigned by
/// signed bytes) for the first `rows` rows (a constant after inlining) and the panel's 32
/// columns; then C's tile (row stride ldc) = acc (accumulate false) or C += acc, wrapping.
LLMC_INLINE void llmc_qgemm_micro(const int rows, int64_t groups, const uint8_t *restrict a,
                                  const int8_t *restrict b, int32_t *restrict c, int64_t ldc,
                                  bool accumulate) {
  __m512i acc0[LLMC_QGEMM_MR], acc1[LLMC_QGEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_QGEMM_MR; ++i)
    acc0[i] = acc1[i] = _mm512_setzero_si512();
#pragma clang loop unroll_count(4)
  for (int64_t g = 0; g < groups; ++g) {
    const __m512i b0 = _mm512_loadu_si512(b + g * LLMC_QGEMM_PANEL * 4);
    const __m512i b1 = _mm512_loadu_si512(b + g * LLMC_QGEMM_PANEL * 4 + 64);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
      if (i >= rows)
        break;
      int32_t word;
      __builtin_memcpy(&word, a + (g * LLMC_QGEMM_MR + i) * 4, sizeof(word));
      const __m512i av = _mm512_set1_epi32(word);
      acc0[i] = _mm512_dpbusd_epi32(acc0[i], av, b0);
      acc1[i] = _mm512_dpbusd_epi32(acc1[i], av, b1);
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
    if (i >= rows)
      break;
    __m512i v0 = acc0[i], v1 = acc1[i];
    if (accumulate) {
      v0 = _mm512_add_epi32(v0, _mm512_loadu_si512(c + i * ldc));
      v1 = _mm512_add_epi32(v1, _mm512_loadu_si512(c + i * ldc + 16));
    }
    _mm512_storeu_si512(c + i * ldc, v0);
    _mm512_storeu_si512(c + i * ldc + 16, v1);
  }
}

#endif // LLMC_QGEMM_AVX512VNNI_H_
