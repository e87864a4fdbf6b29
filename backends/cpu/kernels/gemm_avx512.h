/*===- gemm_avx512.h - The 12 x 32 AVX-512 microkernel of gemm.c ------------===
 *
 * Included by gemm.c when the build compiles it a second time with -DLLMC_KERNEL_VARIANT_AVX512
 * and the AVX-512 F, BW and VL features. It defines what gemm.c's generic section defines: the
 * tile shape and llmc_gemm_micro.
 *
 * A 12 x 32 tile of C is 24 zmm accumulators; each k step loads two vectors of the packed B
 * panel and broadcasts twelve values of the packed A panel (folded into the FMAs as embedded
 * broadcasts), 14 loads for 24 FMAs, which the two load ports of a core serve faster than its two
 * FMA ports consume them. The A panel stays in L1; the B panel streams from L2, and the kernel
 * prefetches it 8 values of k ahead into L1 (LLMC_GEMM_PREFETCH_K): the hardware prefetchers
 * alone left the loads of B waiting, and a 2048-cubed product ran 2 to 5% slower. It also
 * prefetches the tile of C before the k loop: the loads (or stores) of C at its end then hit L1
 * instead of waiting on L3, which made a 1024-cubed product about 4% faster on one thread.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_GEMM_AVX512_H_
#define LLMC_GEMM_AVX512_H_

#include <immintrin.h>

#include "kernel_support.h"

#define LLMC_GEMM_MR 12
#define LLMC_GEMM_NR 32
#define LLMC_GEMM_PREFETCH_K 8

/// Prefetches the first `rows` rows of a tile of C (row stride ldc) into L1.
LLMC_INLINE void llmc_gemm_prefetch_c(const int rows, const float *c, int64_t ldc) {
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_GEMM_MR; ++i) {
    if (i >= rows)
      break;
    _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
  }
}

/// C's tile (row stride ldc) = acc (accumulate false) or C += acc, for its first `rows` rows.
LLMC_INLINE void llmc_gemm_store_c(const int rows, const __m512 *acc0, const __m512 *acc1, float *c,
                                   int64_t ldc, bool accumulate) {
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_GEMM_MR; ++i) {
    if (i >= rows)
      break;
    __m512 v0 = acc0[i], v1 = acc1[i];
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_loadu_ps(c + i * ldc));
      v1 = _mm512_add_ps(v1, _mm512_loadu_ps(c + i * ldc + 16));
    }
    _mm512_storeu_ps(c + i * ldc, v0);
    _mm512_storeu_ps(c + i * ldc + 16, v1);
  }
}

/// acc[i] += a[p * MR + i] * b[p * ldb ..] for p < kc and the first `rows` rows of the tile (a
/// constant after inlining), then C's tile (row stride ldc) = acc (accumulate false) or C += acc.
LLMC_INLINE void llmc_gemm_micro(const int rows, int64_t kc, const float *restrict a,
                                 const float *restrict b, int64_t ldb, float *restrict c,
                                 int64_t ldc, bool accumulate) {
  __m512 acc0[LLMC_GEMM_MR], acc1[LLMC_GEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_GEMM_MR; ++i)
    acc0[i] = acc1[i] = _mm512_setzero_ps();
  llmc_gemm_prefetch_c(rows, c, ldc);
#pragma clang loop unroll_count(4)
  for (int64_t p = 0; p < kc; ++p) {
    // Past the panel's end this prefetches lines that are never used; prefetches do not fault.
    _mm_prefetch((const char *)(b + (p + LLMC_GEMM_PREFETCH_K) * ldb), _MM_HINT_T0);
    _mm_prefetch((const char *)(b + (p + LLMC_GEMM_PREFETCH_K) * ldb + 16), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b + p * ldb);
    const __m512 b1 = _mm512_loadu_ps(b + p * ldb + 16);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_GEMM_MR; ++i) {
      if (i >= rows)
        break;
      const __m512 av = _mm512_set1_ps(a[p * LLMC_GEMM_MR + i]);
      acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
    }
  }
  llmc_gemm_store_c(rows, acc0, acc1, c, ldc, accumulate);
}

/// The microkernel on a full MR-row tile with A read in place (row-major, row stride lda), no
/// packing: the tall pre-packed products of gemm.c use it. Four row pointers (rows 0-2, 3-5,
/// 6-8, 9-11; the others at +lda and +2 lda, which x86 addresses as base + index * scale)
/// advance by one float per k. The empty asm hides how they relate, or the compiler would
/// rebuild each row's address from one pointer per k, a chain of eleven adds that starved the
/// FMAs. In the caches it runs as fast as the packed kernel, 4 KiB row strides included.
#define LLMC_GEMM_A_IN_PLACE 1
LLMC_INLINE void llmc_gemm_micro_in_place(int64_t kc, const float *a, int64_t lda,
                                          const float *restrict b, int64_t ldb, float *restrict c,
                                          int64_t ldc, bool accumulate) {
  __m512 acc0[LLMC_GEMM_MR], acc1[LLMC_GEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_GEMM_MR; ++i)
    acc0[i] = acc1[i] = _mm512_setzero_ps();
  llmc_gemm_prefetch_c(LLMC_GEMM_MR, c, ldc);
  const float *rows[4] = {a, a + 3 * lda, a + 6 * lda, a + 9 * lda};
  for (int64_t p = 0; p < kc; ++p) {
    _mm_prefetch((const char *)(b + LLMC_GEMM_PREFETCH_K * ldb), _MM_HINT_T0);
    _mm_prefetch((const char *)(b + LLMC_GEMM_PREFETCH_K * ldb + 16), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_GEMM_MR; ++i) {
      const __m512 av = _mm512_set1_ps(rows[i / 3][(i % 3) * lda]);
      acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; ++r)
      ++rows[r];
    b += ldb;
    __asm__("" : "+r"(rows[0]), "+r"(rows[1]), "+r"(rows[2]), "+r"(rows[3]), "+r"(b));
  }
  llmc_gemm_store_c(LLMC_GEMM_MR, acc0, acc1, c, ldc, accumulate);
}

#endif // LLMC_GEMM_AVX512_H_
