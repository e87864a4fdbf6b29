/*===- gemm_bf16.c - Packed bfloat16 matrix product, accumulated in f32 ------===
 *
 * llmc_mk_matmul_bf16: C = A x B for row-major, contiguous bfloat16 matrices, as PyTorch and
 * oneDNN define a bf16 matmul: every product of two bf16 values is exact in f32, the products
 * are summed in f32, and each element of C is rounded to bf16 (to nearest, ties to even) once,
 * at the end. Summing in bf16, as a loop over bf16 arithmetic does, loses the sum's low bits
 * at every step.
 *
 * C is cut into tasks of up to MC rows by NC columns, run in parallel. A task walks k in blocks
 * of KC and packs, for each, its B block and its A block:
 *
 *   B: panels of 32 columns; per pair of k (2q, 2q + 1), for each of the panel's columns j in
 *      turn, the two values B[2q, j] and B[2q + 1, j]: 128 bytes per pair of k, the operand
 *      layout of x86's VDPBF16PS and of AMX's TDPBF16PS (with a row stride of 128 bytes);
 *   A: its rows (rounded up to the microkernel's row count) with k rounded up to 32, row-major.
 *
 * Values past k, rows past m and columns past n are zeros, so the microkernels run whole tiles
 * and add nothing from the padding. They accumulate into the task's f32 copy of its block of C,
 * which is rounded into C after the last block of k.
 *
 * The generic microkernel (6 x 16, clang vector extensions) widens the pairs with shifts. Compiled
 * again with -DLLMC_KERNEL_VARIANT_AVX512BF16 and AVX512-BF16, this file defines the __avx512bf16
 * entry point with a 12 x 32 microkernel of VDPBF16PS (twice the multiply-adds of an f32 FMA per
 * instruction); with -DLLMC_KERNEL_VARIANT_AMXBF16 and AMX-BF16, the __amxbf16 entry point, which
 * multiplies 32 x 32 blocks of C in four tiles of TDPBF16PS. Their results differ from the
 * generic kernel's only in the order of the f32 sums and in subnormals, which VDPBF16PS and
 * TDPBF16PS flush to zero.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

#define LLMC_BGEMM_MC 96
#define LLMC_BGEMM_NC 128
#define LLMC_BGEMM_KC 512
#define LLMC_BGEMM_PANEL 32

#if defined(LLMC_KERNEL_VARIANT_AMXBF16)
#include "amx_support.h"
#define LLMC_BGEMM_MR 16
#define LLMC_BGEMM_NAME(NAME) NAME##__amxbf16
#elif defined(LLMC_KERNEL_VARIANT_AVX512BF16)
#include <immintrin.h>
#define LLMC_BGEMM_MR 12
#define LLMC_BGEMM_NAME(NAME) NAME##__avx512bf16
#else
#define LLMC_BGEMM_MR 6
#define LLMC_BGEMM_NAME(NAME) NAME
#endif

#if !defined(LLMC_KERNEL_VARIANT_AMXBF16)
/// The bf16 pair at p (any alignment) as one 32-bit word: element 2q in the low half.
LLMC_INLINE uint32_t llmc_bgemm_pair(const uint16_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}
#endif

#if defined(LLMC_KERNEL_VARIANT_AMXBF16)

/// acc (row stride NC floats) += A x B for `rows` rows (a multiple of 16) and `cols` columns of
/// the packed blocks (kp values of k per row of A and per panel of B): 32 x 32 blocks of C in
/// tiles 0 to 3; per 32 values of k, tiles 4 and 5 hold 16 rows of A each, 6 and 7 16 pairs of
/// k by 16 columns of B each.
LLMC_INLINE void llmc_bgemm_block(const uint16_t *a, int64_t rows, int64_t kp, const uint16_t *b,
                                  int64_t cols, float *acc) {
  const int64_t stride = LLMC_BGEMM_NC * 4;
  for (int64_t ir = 0; ir < rows; ir += 32) {
    const bool two = ir + 16 < rows;
    for (int64_t jr = 0; jr < cols; jr += 32) {
      float *c = acc + ir * LLMC_BGEMM_NC + jr;
      const uint16_t *panel = b + jr / LLMC_BGEMM_PANEL * kp * LLMC_BGEMM_PANEL;
      _tile_loadd(0, c, stride);
      _tile_loadd(1, c + 16, stride);
      if (two) {
        _tile_loadd(2, c + 16 * LLMC_BGEMM_NC, stride);
        _tile_loadd(3, c + 16 * LLMC_BGEMM_NC + 16, stride);
      }
      for (int64_t p = 0; p < kp; p += 32) {
        _tile_loadd(4, a + ir * kp + p, kp * 2);
        _tile_loadd(6, panel + p * LLMC_BGEMM_PANEL, LLMC_BGEMM_PANEL * 4);
        _tile_loadd(7, panel + p * LLMC_BGEMM_PANEL + 32, LLMC_BGEMM_PANEL * 4);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        if (two) {
          _tile_loadd(5, a + (ir + 16) * kp + p, kp * 2);
          _tile_dpbf16ps(2, 5, 6);
          _tile_dpbf16ps(3, 5, 7);
        }
      }
      _tile_stored(0, c, stride);
      _tile_stored(1, c + 16, stride);
      if (two) {
        _tile_stored(2, c + 16 * LLMC_BGEMM_NC, stride);
        _tile_stored(3, c + 16 * LLMC_BGEMM_NC + 16, stride);
      }
    }
  }
}

#elif defined(LLMC_KERNEL_VARIANT_AVX512BF16)

/// acc's 12 x 32 tile (row stride NC) += the 12 packed rows of A (kp values of k each) times
/// the packed panel b, one VDPBF16PS per row and 16 columns per pair of k.
LLMC_INLINE void llmc_bgemm_micro(const uint16_t *restrict a, int64_t kp,
                                  const uint16_t *restrict b, float *restrict acc) {
  __m512 c0[LLMC_BGEMM_MR], c1[LLMC_BGEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_BGEMM_MR; ++i) {
    c0[i] = _mm512_loadu_ps(acc + i * LLMC_BGEMM_NC);
    c1[i] = _mm512_loadu_ps(acc + i * LLMC_BGEMM_NC + 16);
  }
  for (int64_t q = 0; q < kp / 2; ++q) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + q * 64);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + q * 64 + 32);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_BGEMM_MR; ++i) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32((int)llmc_bgemm_pair(a + i * kp + 2 * q));
      c0[i] = _mm512_dpbf16_ps(c0[i], av, b0);
      c1[i] = _mm512_dpbf16_ps(c1[i], av, b1);
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_BGEMM_MR; ++i) {
    _mm512_storeu_ps(acc + i * LLMC_BGEMM_NC, c0[i]);
    _mm512_storeu_ps(acc + i * LLMC_BGEMM_NC + 16, c1[i]);
  }
}

LLMC_INLINE void llmc_bgemm_block(const uint16_t *a, int64_t rows, int64_t kp, const uint16_t *b,
                                  int64_t cols, float *acc) {
  for (int64_t jr = 0; jr < cols; jr += LLMC_BGEMM_PANEL)
    for (int64_t ir = 0; ir < rows; ir += LLMC_BGEMM_MR)
      llmc_bgemm_micro(a + ir * kp, kp, b + jr / LLMC_BGEMM_PANEL * kp * LLMC_BGEMM_PANEL,
                       acc + ir * LLMC_BGEMM_NC + jr);
}

#else

/// The f32 values of the even (low) and odd (high) halves of bf16 pairs.
LLMC_INLINE f32x16 llmc_bgemm_even(u32x16 pairs) {
  const u32x16 bits = pairs << 16;
  f32x16 f;
  __builtin_memcpy(&f, &bits, sizeof(f));
  return f;
}
LLMC_INLINE f32x16 llmc_bgemm_odd(u32x16 pairs) {
  const u32x16 bits = pairs & 0xffff0000u;
  f32x16 f;
  __builtin_memcpy(&f, &bits, sizeof(f));
  return f;
}

/// acc's 6 x 16 tile (row stride NC) += the 6 packed rows of A (kp values of k each) times 16
/// columns of a packed panel starting at b: per pair of k, the even product and then the odd.
LLMC_INLINE void llmc_bgemm_micro(const uint16_t *restrict a, int64_t kp,
                                  const uint16_t *restrict b, float *restrict acc) {
  f32x16 c[LLMC_BGEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_BGEMM_MR; ++i)
    c[i] = llmc_load_f32x16(acc + i * LLMC_BGEMM_NC);
  for (int64_t q = 0; q < kp / 2; ++q) {
    u32x16 pairs;
    __builtin_memcpy(&pairs, b + q * 64, sizeof(pairs));
    const f32x16 be = llmc_bgemm_even(pairs), bo = llmc_bgemm_odd(pairs);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_BGEMM_MR; ++i) {
      const uint32_t pair = llmc_bgemm_pair(a + i * kp + 2 * q);
      const f32x16 ae = llmc_bf16_to_f32((uint16_t)pair), ao = llmc_bf16_to_f32(pair >> 16);
      // One expression each, so that they contract to FMAs where the target has them.
      c[i] = c[i] + ae * be;
      c[i] = c[i] + ao * bo;
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_BGEMM_MR; ++i)
    llmc_store_f32x16(acc + i * LLMC_BGEMM_NC, c[i]);
}

LLMC_INLINE void llmc_bgemm_block(const uint16_t *a, int64_t rows, int64_t kp, const uint16_t *b,
                                  int64_t cols, float *acc) {
  for (int64_t jr = 0; jr < cols; jr += 16)
    for (int64_t ir = 0; ir < rows; ir += LLMC_BGEMM_MR)
      llmc_bgemm_micro(a + ir * kp, kp,
                       b + (jr / LLMC_BGEMM_PANEL * kp * LLMC_BGEMM_PANEL + jr % 32 * 2),
                       acc + ir * LLMC_BGEMM_NC + jr);
}

#endif

typedef struct {
  const uint16_t *a, *b;
  uint16_t *c;
  int64_t m, n, k;
  int64_t col_tasks;
} llmc_bgemm_args_t;

/// Rows [i0, i0 + rows) and columns [p0, p0 + kc) of A into `out` (padded rows, kp = kc rounded
/// up to 32 per row), zeros past kc and past `rows`.
LLMC_INLINE void llmc_bgemm_pack_a(const llmc_bgemm_args_t *g, int64_t i0, int64_t rows,
                                   int64_t padded_rows, int64_t p0, int64_t kc, int64_t kp,
                                   uint16_t *restrict out) {
  for (int64_t i = 0; i < padded_rows; ++i) {
    uint16_t *dst = out + i * kp;
    int64_t p = 0;
    if (i < rows) {
      __builtin_memcpy(dst, g->a + (i0 + i) * g->k + p0, (size_t)kc * 2);
      p = kc;
    }
    for (; p < kp; ++p)
      dst[p] = 0;
  }
}

/// Columns [j0, j0 + cols) and rows [p0, p0 + kc) of B into 32-column panels of k pairs (kp / 2
/// pairs each), zeros past kc and past `cols`.
LLMC_INLINE void llmc_bgemm_pack_b(const llmc_bgemm_args_t *g, int64_t j0, int64_t cols,
                                   int64_t p0, int64_t kc, int64_t kp, uint16_t *restrict out) {
  const int64_t n = g->n;
  for (int64_t jp = 0; jp < cols; jp += LLMC_BGEMM_PANEL) {
    uint16_t *panel = out + jp / LLMC_BGEMM_PANEL * kp * LLMC_BGEMM_PANEL;
    const int64_t width = cols - jp < LLMC_BGEMM_PANEL ? cols - jp : LLMC_BGEMM_PANEL;
    for (int64_t p = 0; p < kp; p += 2) {
      uint16_t *dst = panel + p * LLMC_BGEMM_PANEL;
      const uint16_t *r0 = g->b + (p0 + p) * n + j0 + jp, *r1 = r0 + n;
      const bool has0 = p < kc, has1 = p + 1 < kc;
      if (has1 && width == LLMC_BGEMM_PANEL) {
        // Interleave two rows of 32 columns: the pairs of one column are adjacent.
        u16x16 x0, x1, y0, y1;
        __builtin_memcpy(&x0, r0, sizeof(x0));
        __builtin_memcpy(&x1, r0 + 16, sizeof(x1));
        __builtin_memcpy(&y0, r1, sizeof(y0));
        __builtin_memcpy(&y1, r1 + 16, sizeof(y1));
        const u16x16 lo0 = __builtin_shufflevector(x0, y0, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5,
                                                   21, 6, 22, 7, 23);
        const u16x16 hi0 = __builtin_shufflevector(x0, y0, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28,
                                                   13, 29, 14, 30, 15, 31);
        const u16x16 lo1 = __builtin_shufflevector(x1, y1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5,
                                                   21, 6, 22, 7, 23);
        const u16x16 hi1 = __builtin_shufflevector(x1, y1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28,
                                                   13, 29, 14, 30, 15, 31);
        __builtin_memcpy(dst, &lo0, sizeof(lo0));
        __builtin_memcpy(dst + 16, &hi0, sizeof(hi0));
        __builtin_memcpy(dst + 32, &lo1, sizeof(lo1));
        __builtin_memcpy(dst + 48, &hi1, sizeof(hi1));
        continue;
      }
      for (int64_t j = 0; j < LLMC_BGEMM_PANEL; ++j) {
        dst[2 * j] = has0 && j < width ? r0[j] : 0;
        dst[2 * j + 1] = has1 && j < width ? r1[j] : 0;
      }
    }
  }
}

/// Task t: its block of C, all of k.
static void llmc_bgemm_body(void *context, int64_t begin, int64_t end) {
  const llmc_bgemm_args_t *g = (const llmc_bgemm_args_t *)context;
  uint16_t a_pack[LLMC_BGEMM_MC * LLMC_BGEMM_KC] __attribute__((aligned(64)));
  uint16_t b_pack[LLMC_BGEMM_KC * LLMC_BGEMM_NC] __attribute__((aligned(64)));
  float acc[LLMC_BGEMM_MC * LLMC_BGEMM_NC] __attribute__((aligned(64)));
#if defined(LLMC_KERNEL_VARIANT_AMXBF16)
  llmc_amx_configure_16x64();
#endif
  for (int64_t t = begin; t < end; ++t) {
    const int64_t i0 = t / g->col_tasks * LLMC_BGEMM_MC, j0 = t % g->col_tasks * LLMC_BGEMM_NC;
    const int64_t rows = g->m - i0 < LLMC_BGEMM_MC ? g->m - i0 : LLMC_BGEMM_MC;
    const int64_t cols = g->n - j0 < LLMC_BGEMM_NC ? g->n - j0 : LLMC_BGEMM_NC;
    const int64_t padded_rows = (rows + LLMC_BGEMM_MR - 1) / LLMC_BGEMM_MR * LLMC_BGEMM_MR;
    const int64_t padded_cols = (cols + LLMC_BGEMM_PANEL - 1) / LLMC_BGEMM_PANEL * LLMC_BGEMM_PANEL;
    for (int64_t i = 0; i < padded_rows * LLMC_BGEMM_NC; ++i)
      acc[i] = 0.0f;
    for (int64_t p0 = 0; p0 < g->k; p0 += LLMC_BGEMM_KC) {
      const int64_t kc = g->k - p0 < LLMC_BGEMM_KC ? g->k - p0 : LLMC_BGEMM_KC;
      const int64_t kp = (kc + 31) / 32 * 32;
      llmc_bgemm_pack_b(g, j0, cols, p0, kc, kp, b_pack);
      llmc_bgemm_pack_a(g, i0, rows, padded_rows, p0, kc, kp, a_pack);
      llmc_bgemm_block(a_pack, padded_rows, kp, b_pack, padded_cols, acc);
    }
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        g->c[(i0 + i) * g->n + j0 + j] = llmc_f32_to_bf16(acc[i * LLMC_BGEMM_NC + j]);
  }
#if defined(LLMC_KERNEL_VARIANT_AMXBF16)
  _tile_release();
#endif
}

void LLMC_BGEMM_NAME(llmc_mk_matmul_bf16)(const uint16_t *a, const uint16_t *b, uint16_t *c,
                                          int64_t m, int64_t n, int64_t k,
                                          const llmc_services_t *services) {
  if (m <= 0 || n <= 0)
    return;
  const int64_t col_tasks = (n + LLMC_BGEMM_NC - 1) / LLMC_BGEMM_NC;
  const int64_t row_tasks = (m + LLMC_BGEMM_MC - 1) / LLMC_BGEMM_MC;
  llmc_bgemm_args_t g = {a, b, c, m, n, k < 0 ? 0 : k, col_tasks};
  llmc_parallel(services, row_tasks * col_tasks, 1, llmc_bgemm_body, &g);
}
