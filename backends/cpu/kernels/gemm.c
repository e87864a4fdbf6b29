/*===- gemm.c - Packed, register-blocked f32 matrix product -----------------===
 *
 * llmc_mk_matmul_f32: C = A x B for row-major, contiguous f32 matrices, in the structure of BLIS
 * and MLAS. C is cut into tasks of LLMC_GEMM_NC columns (and all rows, unless there are too few
 * column blocks for the threads), run in parallel. A task walks k in blocks of LLMC_GEMM_KC: it
 * packs its KC x NC block of B into NR-wide panels (an NR-float row per k, zero columns past n),
 * which stays in L2, then for each LLMC_GEMM_MC rows packs A's block into MR-row panels (k-major,
 * an MR-float column per k, zero rows past m) and runs the microkernel over the tiles, each B
 * panel staying in L1 while the microkernel runs down the A panels. The microkernel holds an
 * MR x NR tile of C in registers across the block's k values and then stores it (first block) or
 * adds it to C; a tile that crosses C's edge goes through a local buffer, so nothing outside the
 * matrices is ever read or written.
 *
 * Every product is accumulated in f32 with a fused multiply-add (where the target has FMA), in
 * order of k within a block, so the result has one fixed summation order whatever the threads.
 *
 * The generic microkernel (6 x 16, clang vector extensions) fits the 16 ymm registers of AVX2
 * and the 32 of NEON. Compiled again with -DLLMC_KERNEL_VARIANT_AVX512 and the AVX-512 features,
 * this file takes its 12 x 32 microkernel from gemm_avx512.h and defines
 * llmc_mk_matmul_f32__avx512, which the compiler links in place of the generic kernel when the
 * target has those features (backends/cpu/KernelLibrary.cpp).
 *
 * The packs live on the stack of the task ((LLMC_GEMM_MC + LLMC_GEMM_NC) * LLMC_GEMM_KC floats,
 * 352 KiB): no allocation, and so no dependence on the services' version.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

#ifdef LLMC_KERNEL_VARIANT_AVX512
#include "gemm_avx512.h"
#define LLMC_GEMM_NAME(NAME) NAME##__avx512
#else

#define LLMC_GEMM_MR 6
#define LLMC_GEMM_NR 16
#define LLMC_GEMM_NAME(NAME) NAME

/// acc[i] += a[p * MR + i] * b[p * ldb ..] for p < kc and the first `rows` rows of the tile (a
/// constant after inlining), then C's tile (row stride ldc) = acc (accumulate false) or C += acc.
LLMC_INLINE void llmc_gemm_micro(const int rows, int64_t kc, const float *restrict a,
                                 const float *restrict b, int64_t ldb, float *restrict c,
                                 int64_t ldc, bool accumulate) {
  f32x16 acc[LLMC_GEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_GEMM_MR; ++i)
    acc[i] = 0.0f;
  for (int64_t p = 0; p < kc; ++p) {
    const f32x16 bv = llmc_load_f32x16(b + p * ldb);
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_GEMM_MR; ++i) {
      if (i >= rows)
        break;
      const f32x16 av = a[p * LLMC_GEMM_MR + i];
      // One expression, so that it contracts to an FMA where the target has one (and stays a
      // multiply and an add, with no libm call, where it does not).
      acc[i] = acc[i] + av * bv;
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_GEMM_MR; ++i) {
    if (i >= rows)
      break;
    f32x16 v = acc[i];
    if (accumulate)
      v += llmc_load_f32x16(c + i * ldc);
    llmc_store_f32x16(c + i * ldc, v);
  }
}

#endif // LLMC_KERNEL_VARIANT_AVX512

/// Rows of C per packed A block (a multiple of every MR), columns of C per task and packed B
/// block (a multiple of every NR and of LLMC_GEMM_PANEL), and k per packed block.
#define LLMC_GEMM_MC 96
#define LLMC_GEMM_NC 256
#define LLMC_GEMM_KC 256

typedef struct {
  const float *a, *b; // b: row-major [k, n], or pre-packed panels when `packed`
  float *c;
  int64_t m, n, k;
  int64_t col_chunk;  // columns of C per task (a multiple of LLMC_GEMM_PANEL, at most NC)
  int64_t col_tasks;  // column chunks
  int64_t group_rows; // rows of C per task (a multiple of MC; all of m unless m is split)
  bool packed;
} llmc_gemm_args_t;

/// Packs rows [0, rows) x columns [0, kc) of A (row stride lda) into MR-row panels, k-major,
/// rows past `rows` zero.
LLMC_INLINE void llmc_gemm_pack_a(const float *a, int64_t lda, int64_t rows, int64_t kc,
                                  float *restrict out) {
  for (int64_t i0 = 0; i0 < rows; i0 += LLMC_GEMM_MR) {
    const int64_t mr = rows - i0 < LLMC_GEMM_MR ? rows - i0 : LLMC_GEMM_MR;
    float *panel = out + i0 * kc;
    if (mr == LLMC_GEMM_MR) {
      for (int64_t p = 0; p < kc; ++p)
#pragma clang loop unroll(full)
        for (int i = 0; i < LLMC_GEMM_MR; ++i)
          panel[p * LLMC_GEMM_MR + i] = a[(i0 + i) * lda + p];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < LLMC_GEMM_MR; ++i)
          panel[p * LLMC_GEMM_MR + i] = i < mr ? a[(i0 + i) * lda + p] : 0.0f;
    }
  }
}

/// Packs kc rows x `cols` columns of B (row stride ldb) into NR-wide panels (an NR-float row per
/// k), columns past `cols` zero. Each row of B is read once, front to back.
LLMC_INLINE void llmc_gemm_pack_b(const float *b, int64_t ldb, int64_t cols, int64_t kc,
                                  float *restrict out) {
  for (int64_t p = 0; p < kc; ++p) {
    const float *row = b + p * ldb;
    int64_t j0 = 0;
    for (; j0 + LLMC_GEMM_NR <= cols; j0 += LLMC_GEMM_NR)
      __builtin_memcpy(out + j0 * kc + p * LLMC_GEMM_NR, row + j0, LLMC_GEMM_NR * sizeof(float));
    if (j0 < cols)
      for (int j = 0; j < LLMC_GEMM_NR; ++j)
        out[j0 * kc + p * LLMC_GEMM_NR + j] = j0 + j < cols ? row[j0 + j] : 0.0f;
  }
}

/// The microkernel on a tile of `mr` rows (1 .. MR): each row count is its own inlined copy, so
/// a short tile at the bottom edge computes only its rows.
LLMC_INLINE void llmc_gemm_tile(int64_t mr, int64_t kc, const float *a, const float *b, int64_t ldb,
                                float *c, int64_t ldc, bool accumulate) {
#define LLMC_GEMM_ROWS(R)                                                                          \
  case R:                                                                                          \
    if (R <= LLMC_GEMM_MR)                                                                         \
      llmc_gemm_micro(R <= LLMC_GEMM_MR ? R : 1, kc, a, b, ldb, c, ldc, accumulate);               \
    return;
  switch (mr) {
    LLMC_GEMM_ROWS(1)
    LLMC_GEMM_ROWS(2)
    LLMC_GEMM_ROWS(3)
    LLMC_GEMM_ROWS(4)
    LLMC_GEMM_ROWS(5)
    LLMC_GEMM_ROWS(6)
    LLMC_GEMM_ROWS(7)
    LLMC_GEMM_ROWS(8)
    LLMC_GEMM_ROWS(9)
    LLMC_GEMM_ROWS(10)
    LLMC_GEMM_ROWS(11)
    LLMC_GEMM_ROWS(12)
  default:
    return;
  }
#undef LLMC_GEMM_ROWS
}

_Static_assert(LLMC_GEMM_MR <= 12, "llmc_gemm_tile has cases for up to 12 rows");
_Static_assert(LLMC_GEMM_PANEL % LLMC_GEMM_NR == 0 && LLMC_GEMM_NC % LLMC_GEMM_PANEL == 0,
               "a pre-packed panel holds whole microkernel panels, a chunk whole panels");

/// One task: rows [i0, i1) and columns [j0, j0 + col_chunk) of C, clipped to the matrix. For
/// each block of k it packs its B block once unless B is pre-packed (either way the block stays
/// in L2) and runs down the rows in A blocks.
LLMC_INLINE void llmc_gemm_task(const llmc_gemm_args_t *g, int64_t i0, int64_t i1, int64_t j0) {
  float a_pack[LLMC_GEMM_MC * LLMC_GEMM_KC] __attribute__((aligned(64)));
  float b_pack[LLMC_GEMM_KC * LLMC_GEMM_NC] __attribute__((aligned(64)));
  float tile[LLMC_GEMM_MR * LLMC_GEMM_NR] __attribute__((aligned(64)));
  const int64_t cols = g->n - j0 < g->col_chunk ? g->n - j0 : g->col_chunk;
  const int64_t n = g->n, k = g->k;
  for (int64_t p0 = 0; p0 < k; p0 += LLMC_GEMM_KC) {
    const int64_t kc = k - p0 < LLMC_GEMM_KC ? k - p0 : LLMC_GEMM_KC;
    const bool accumulate = p0 > 0;
    if (!g->packed)
      llmc_gemm_pack_b(g->b + p0 * n + j0, n, cols, kc, b_pack);
    for (int64_t ic = i0; ic < i1; ic += LLMC_GEMM_MC) {
      const int64_t rows = i1 - ic < LLMC_GEMM_MC ? i1 - ic : LLMC_GEMM_MC;
      llmc_gemm_pack_a(g->a + ic * k + p0, k, rows, kc, a_pack);
      for (int64_t jr = 0; jr < cols; jr += LLMC_GEMM_NR) {
        const int64_t nr = cols - jr < LLMC_GEMM_NR ? cols - jr : LLMC_GEMM_NR;
        const int64_t j = j0 + jr;
        // The panel of B for columns j .. j + NR at k = p0, and its row stride.
        const float *b = g->packed ? g->b + (j / LLMC_GEMM_PANEL * k + p0) * LLMC_GEMM_PANEL +
                                         j % LLMC_GEMM_PANEL
                                   : b_pack + jr * kc;
        const int64_t ldb = g->packed ? LLMC_GEMM_PANEL : LLMC_GEMM_NR;
        for (int64_t ir = 0; ir < rows; ir += LLMC_GEMM_MR) {
          const int64_t mr = rows - ir < LLMC_GEMM_MR ? rows - ir : LLMC_GEMM_MR;
          float *c = g->c + (ic + ir) * n + j;
          const float *a = a_pack + ir * kc;
          if (nr == LLMC_GEMM_NR) {
            llmc_gemm_tile(mr, kc, a, b, ldb, c, n, accumulate);
            continue;
          }
          llmc_gemm_tile(mr, kc, a, b, ldb, tile, LLMC_GEMM_NR, false);
          for (int64_t i = 0; i < mr; ++i)
            for (int64_t jj = 0; jj < nr; ++jj)
              c[i * n + jj] = accumulate ? c[i * n + jj] + tile[i * LLMC_GEMM_NR + jj]
                                         : tile[i * LLMC_GEMM_NR + jj];
        }
      }
    }
  }
}

static void llmc_gemm_body(void *context, int64_t begin, int64_t end) {
  const llmc_gemm_args_t *g = (const llmc_gemm_args_t *)context;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t i0 = t / g->col_tasks * g->group_rows;
    const int64_t i1 = g->m - i0 < g->group_rows ? g->m : i0 + g->group_rows;
    llmc_gemm_task(g, i0, i1, t % g->col_tasks * g->col_chunk);
  }
}

/// C = A x B with B row-major or pre-packed: splits C into tasks and runs them.
LLMC_INLINE void llmc_gemm(const float *a, const float *b, float *c, int64_t m, int64_t n,
                           int64_t k, bool packed, const llmc_services_t *services) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    for (int64_t i = 0; i < m * n; ++i)
      c[i] = 0.0f;
    return;
  }
  // A task covers all of m for its columns, so B is packed once; with too few tasks for the
  // threads (two each), a pre-packed B (which costs nothing to share) is cut into narrower
  // column chunks, and then m is split into groups of whole A blocks as well.
  const int64_t threads = services && services->thread_count > 1 ? services->thread_count : 1;
  const int64_t row_blocks = (m + LLMC_GEMM_MC - 1) / LLMC_GEMM_MC;
  int64_t col_chunk = LLMC_GEMM_NC;
  while (packed && col_chunk > LLMC_GEMM_PANEL &&
         (n + col_chunk - 1) / col_chunk * row_blocks < 2 * threads)
    col_chunk /= 2;
  const int64_t col_tasks = (n + col_chunk - 1) / col_chunk;
  int64_t groups = (2 * threads + col_tasks - 1) / col_tasks;
  if (groups > row_blocks)
    groups = row_blocks;
  const int64_t blocks_per_group = (row_blocks + groups - 1) / groups;
  llmc_gemm_args_t g = {a,     b, c, m, n, k, col_chunk, col_tasks, blocks_per_group * LLMC_GEMM_MC,
                        packed};
  groups = (row_blocks + blocks_per_group - 1) / blocks_per_group;
  llmc_parallel(services, groups * col_tasks, 1, llmc_gemm_body, &g);
}

void LLMC_GEMM_NAME(llmc_mk_matmul_f32)(const float *a, const float *b, float *c, int64_t m,
                                        int64_t n, int64_t k, const llmc_services_t *services) {
  llmc_gemm(a, b, c, m, n, k, false, services);
}

void LLMC_GEMM_NAME(llmc_mk_matmul_f32_packed)(const float *a, const float *b_packed, float *c,
                                               int64_t m, int64_t n, int64_t k,
                                               const llmc_services_t *services) {
  llmc_gemm(a, b_packed, c, m, n, k, true, services);
}
