/*===- qgemm_sve.h - The SVE microkernel of qgemm.c (AArch64) ----------------===
 *
 * Included by qgemm.c when the build compiles it a third time for AArch64 with SVE and
 * -DLLMC_KERNEL_VARIANT_SVE. It defines what qgemm.c's generic section defines: the tile height
 * and llmc_qgemm_micro, for any SVE vector length (128 to 2048 bits), without i8mm.
 *
 * The packed layout holds, per group of four k, four signed bytes for each of the panel's 32
 * columns: one 32-bit lane per column, the operand layout of SVE's SDOT. Base SVE has no mixed-
 * sign dot product, so the unsigned A bytes go in with their sign bit flipped (a - 128 as int8):
 * dot(a, w) = dot(a ^ 0x80, w) + 128 * sum(w), and one more SDOT by a vector of ones sums each
 * column's bytes. A vector covers svcntw() columns; the panel's 32 take 32 / svcntw() passes (a
 * predicate cuts a vector longer than the panel). Every product and sum is exact in int32 and
 * wraps modulo 2^32, so the result is the generic kernel's bit for bit.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_QGEMM_SVE_H_
#define LLMC_QGEMM_SVE_H_

#include <arm_sve.h>

#include "kernel_support.h"

#define LLMC_QGEMM_MR 4

/// Row i's four A bytes of a group, sign bits flipped, splat over every 32-bit lane.
LLMC_INLINE svint8_t llmc_qgemm_sve_row(const uint8_t *group, int i) {
  uint32_t word;
  __builtin_memcpy(&word, group + i * 4, sizeof(word));
  return svreinterpret_s8_u32(svdup_n_u32(word ^ 0x80808080u));
}

/// acc[i][j] = sum over `groups` groups of four k of a[g][i][0..3] * b[g][j][0..3] (unsigned by
/// signed bytes) for the first `rows` rows (a constant after inlining) and the panel's 32
/// columns; then C's tile (row stride ldc) = acc (accumulate false) or C += acc, wrapping.
LLMC_INLINE void llmc_qgemm_micro(const int rows, int64_t groups, const uint8_t *restrict a,
                                  const int8_t *restrict b, int32_t *restrict c, int64_t ldc,
                                  bool accumulate) {
  const int64_t lanes = (int64_t)svcntw();
  const svint8_t ones = svdup_n_s8(1);
  for (int64_t j = 0; j < LLMC_QGEMM_PANEL; j += lanes) {
    const svbool_t words = svwhilelt_b32_s64(j, LLMC_QGEMM_PANEL);
    const svbool_t bytes = svwhilelt_b8_s64(j * 4, LLMC_QGEMM_PANEL * 4);
    svint32_t acc0 = svdup_n_s32(0), acc1 = acc0, acc2 = acc0, acc3 = acc0, sum = acc0;
    for (int64_t g = 0; g < groups; ++g) {
      const svint8_t bv = svld1_s8(bytes, b + g * LLMC_QGEMM_PANEL * 4 + j * 4);
      const uint8_t *group = a + g * LLMC_QGEMM_MR * 4;
      sum = svdot_s32(sum, bv, ones);
      acc0 = svdot_s32(acc0, bv, llmc_qgemm_sve_row(group, 0));
      if (rows > 1)
        acc1 = svdot_s32(acc1, bv, llmc_qgemm_sve_row(group, 1));
      if (rows > 2)
        acc2 = svdot_s32(acc2, bv, llmc_qgemm_sve_row(group, 2));
      if (rows > 3)
        acc3 = svdot_s32(acc3, bv, llmc_qgemm_sve_row(group, 3));
    }
    // 128 * sum(w) restores the flipped sign bits; the shift and the adds wrap.
    const svint32_t correction = svlsl_n_s32_x(words, sum, 7);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
      if (i >= rows)
        break;
      svint32_t v = svadd_s32_x(words, i == 0 ? acc0 : i == 1 ? acc1 : i == 2 ? acc2 : acc3,
                                correction);
      int32_t *out = c + i * ldc + j;
      if (accumulate)
        v = svadd_s32_x(words, v, svld1_s32(words, out));
      svst1_s32(words, out, v);
    }
  }
}

#endif // LLMC_QGEMM_SVE_H_
