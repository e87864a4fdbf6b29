/*===- gemm.c - Packed, register-blocked f32 matrix product -----------------===
 *
 * llmc_mk_matmul_f32: C = A x B for row-major, contiguous f32 matrices, in the structure of BLIS
 * and MLAS; llmc_mk_matmul_f32_packed: the same with B pre-packed (the compiler packs constant
 * weights at compile time, in the LLMC_GEMM_PANEL layout of llmc_kernels.h). C is cut into tasks
 * of up to NC columns (and all rows, unless there are too few tasks for the threads: then a
 * pre-packed B is cut into narrower column chunks, and m into groups of rows), run in parallel.
 * A task walks k in blocks of KC: a run-time B block (KC x NC) is packed into NR-wide panels
 * (an NR-float row per k, zero columns past n), a pre-packed one is read in place; either way
 * it stays in L2. For each MC rows the task packs A's block into MR-row panels (k-major, an
 * MR-float column per k, zero rows past m); each A panel stays in L1 while the microkernel runs
 * along the B panels, streaming them from L2. The microkernel holds an MR x NR tile of C in
 * registers across the block's k values and then stores it (first block) or adds it to C; a
 * tile narrower than NR goes through a local buffer, and a tile shorter than MR runs a copy of
 * the microkernel for its height, so nothing outside the matrices is read or written. A tall
 * product by pre-packed weights wider than one chunk is cut by rows instead, a group per thread,
 * which runs all the chunks over its rows of A, read in place by the AVX-512 variant and packed
 * once per k block by the generic one (llmc_gemm_group_body).
 *
 * Every product is accumulated in f32 with a fused multiply-add (where the target has FMA), in
 * order of k within a block, so the result has one fixed summation order whatever the threads.
 *
 * The generic microkernel (6 x 16, clang vector extensions) fits the 16 ymm registers of AVX2
 * and the 32 of NEON. Compiled again with -DLLMC_KERNEL_VARIANT_AVX512 and the AVX-512 features,
 * this file takes its 12 x 32 microkernel from gemm_avx512.h and defines the __avx512 entry
 * points, which the compiler links in place of the generic kernels when the target has those
 * features (backends/cpu/KernelLibrary.cpp).
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

/// Rows of C per packed A block (a multiple of every MR). Then, for a B packed at run time and
/// one pre-packed at compile time: k per block and the most columns of C per task (a multiple of
/// every NR and of LLMC_GEMM_PANEL). A run-time B block (KC x NC) is packed on the task's stack,
/// so its blocks are smaller; a pre-packed one costs nothing to read in deeper blocks, and then
/// the A block holds more of k. A pre-packed block (512 KiB) is half of a 2 MiB L2, which leaves
/// room for the A panels and C tiles streaming past it: 1 MiB blocks (512 wide) ran 4 to 10%
/// slower on 2048-cubed products, as their lines were evicted between A panels.
#define LLMC_GEMM_MC 96
#define LLMC_GEMM_KC 256
#define LLMC_GEMM_NC 256
#define LLMC_GEMM_PACKED_KC 512
#define LLMC_GEMM_PACKED_NC 256

typedef struct {
  const float *a, *b; // b: row-major [k, n], or pre-packed panels when `packed`
  const float *bias;  // the epilogue's bias: n values (per column) or m (per row)
  int64_t epilogue;   // LLMC_GEMM_EPILOGUE_* flags
  float *c;
  int64_t m, n, k;
  int64_t col_chunk;  // columns of C per task (a multiple of LLMC_GEMM_PANEL)
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
      // Four rows by four values of k at a time: four loads, a 4 x 4 transpose in registers,
      // four stores (the scalar copy costs several times more per value).
      int64_t p = 0;
      for (; p + 4 <= kc; p += 4) {
#pragma clang loop unroll(full)
        for (int i = 0; i + 4 <= LLMC_GEMM_MR; i += 4) {
          const float *r = a + (i0 + i) * lda + p;
          f32x4 r0, r1, r2, r3;
          __builtin_memcpy(&r0, r, sizeof(r0));
          __builtin_memcpy(&r1, r + lda, sizeof(r1));
          __builtin_memcpy(&r2, r + 2 * lda, sizeof(r2));
          __builtin_memcpy(&r3, r + 3 * lda, sizeof(r3));
          const f32x4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);
          const f32x4 t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
          const f32x4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
          const f32x4 t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
          const f32x4 c[4] = {__builtin_shufflevector(t0, t2, 0, 1, 4, 5),
                              __builtin_shufflevector(t0, t2, 2, 3, 6, 7),
                              __builtin_shufflevector(t1, t3, 0, 1, 4, 5),
                              __builtin_shufflevector(t1, t3, 2, 3, 6, 7)};
#pragma clang loop unroll(full)
          for (int q = 0; q < 4; ++q)
            __builtin_memcpy(panel + (p + q) * LLMC_GEMM_MR + i, &c[q], sizeof(c[q]));
        }
#pragma clang loop unroll(full)
        for (int i = LLMC_GEMM_MR / 4 * 4; i < LLMC_GEMM_MR; ++i)
#pragma clang loop unroll(full)
          for (int q = 0; q < 4; ++q)
            panel[(p + q) * LLMC_GEMM_MR + i] = a[(i0 + i) * lda + p + q];
      }
      for (; p < kc; ++p)
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
_Static_assert(LLMC_GEMM_PANEL % LLMC_GEMM_NR == 0 && LLMC_GEMM_NC % LLMC_GEMM_PANEL == 0 &&
                   LLMC_GEMM_PACKED_NC % LLMC_GEMM_PANEL == 0,
               "a pre-packed panel holds whole microkernel panels, a chunk whole panels");

/// C's mr x nr tile at c (row stride ldc) = the local tile (rows NR floats apart), or C += it.
LLMC_INLINE void llmc_gemm_copy_tile(int64_t mr, int64_t nr, const float *tile, float *c,
                                     int64_t ldc, bool accumulate) {
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j)
      c[i * ldc + j] =
          accumulate ? c[i * ldc + j] + tile[i * LLMC_GEMM_NR + j] : tile[i * LLMC_GEMM_NR + j];
}

/// The microkernel on the mr x nr tile of C at c (row stride ldc): in place when the tile is NR
/// wide, else through a local buffer, so that nothing past C's edge is written.
LLMC_INLINE void llmc_gemm_edge_tile(int64_t mr, int64_t nr, int64_t kc, const float *a,
                                     const float *b, int64_t ldb, float *c, int64_t ldc,
                                     bool accumulate) {
  if (nr == LLMC_GEMM_NR) {
    llmc_gemm_tile(mr, kc, a, b, ldb, c, ldc, accumulate);
    return;
  }
  float tile[LLMC_GEMM_MR * LLMC_GEMM_NR] __attribute__((aligned(64)));
  llmc_gemm_tile(mr, kc, a, b, ldb, tile, LLMC_GEMM_NR, false);
  llmc_gemm_copy_tile(mr, nr, tile, c, ldc, accumulate);
}

/// The pre-packed B's NR-wide panel for columns j .. j + NR at k = p0 (row stride
/// LLMC_GEMM_PANEL).
LLMC_INLINE const float *llmc_gemm_packed_b(const llmc_gemm_args_t *g, int64_t j, int64_t p0) {
  return g->b + (j / LLMC_GEMM_PANEL * g->k + p0) * LLMC_GEMM_PANEL + j % LLMC_GEMM_PANEL;
}

/// The microkernel over rows [r0, r1) of C, whose A panels (MR rows by kc values each) start at
/// `a_panels`, and columns [j0, j0 + cols), for the k block at p0: each A panel stays in L1 while
/// the microkernel runs along the B panels, pre-packed or in `b_pack`.
LLMC_INLINE void llmc_gemm_panels(const llmc_gemm_args_t *g, int64_t r0, int64_t r1,
                                  const float *a_panels, int64_t j0, int64_t cols, int64_t p0,
                                  int64_t kc, const float *b_pack) {
  const int64_t n = g->n;
  for (int64_t ir = r0; ir < r1; ir += LLMC_GEMM_MR) {
    const int64_t mr = r1 - ir < LLMC_GEMM_MR ? r1 - ir : LLMC_GEMM_MR;
    const float *a = a_panels + (ir - r0) * kc;
    for (int64_t jr = 0; jr < cols; jr += LLMC_GEMM_NR) {
      const int64_t nr = cols - jr < LLMC_GEMM_NR ? cols - jr : LLMC_GEMM_NR;
      const int64_t j = j0 + jr;
      // The panel of B for columns j .. j + NR at k = p0, and its row stride.
      const float *b = g->packed ? llmc_gemm_packed_b(g, j, p0) : b_pack + jr * kc;
      const int64_t ldb = g->packed ? LLMC_GEMM_PANEL : LLMC_GEMM_NR;
      llmc_gemm_edge_tile(mr, nr, kc, a, b, ldb, g->c + ir * n + j, n, p0 > 0);
    }
  }
}

/// Task t's rows [*i0, *i1) and columns [*j0, *j0 + *cols) of C.
LLMC_INLINE void llmc_gemm_task_bounds(const llmc_gemm_args_t *g, int64_t t, int64_t *i0,
                                       int64_t *i1, int64_t *j0, int64_t *cols) {
  *i0 = t / g->col_tasks * g->group_rows;
  *i1 = g->m - *i0 < g->group_rows ? g->m : *i0 + g->group_rows;
  *j0 = t % g->col_tasks * g->col_chunk;
  *cols = g->n - *j0 < g->col_chunk ? g->n - *j0 : g->col_chunk;
}

/// One task: rows [i0, i1) and columns [j0, j0 + col_chunk) of C, clipped to the matrix, in
/// blocks of kc_max values of k. For each block of k it packs its B block once unless B is
/// pre-packed (either way the block stays in L2); then for each block of MC rows it packs A's
/// block, and each MR-row panel of it stays in L1 while the microkernel runs along the B panels.
LLMC_INLINE void llmc_gemm_task(const llmc_gemm_args_t *g, int64_t i0, int64_t i1, int64_t j0,
                                const int64_t kc_max, float *restrict a_pack,
                                float *restrict b_pack) {
  const int64_t cols = g->n - j0 < g->col_chunk ? g->n - j0 : g->col_chunk;
  const int64_t n = g->n, k = g->k;
  for (int64_t p0 = 0; p0 < k; p0 += kc_max) {
    const int64_t kc = k - p0 < kc_max ? k - p0 : kc_max;
    if (!g->packed)
      llmc_gemm_pack_b(g->b + p0 * n + j0, n, cols, kc, b_pack);
    for (int64_t ic = i0; ic < i1; ic += LLMC_GEMM_MC) {
      const int64_t rows = i1 - ic < LLMC_GEMM_MC ? i1 - ic : LLMC_GEMM_MC;
      llmc_gemm_pack_a(g->a + ic * k + p0, k, rows, kc, a_pack);
      llmc_gemm_panels(g, ic, ic + rows, a_pack, j0, cols, p0, kc, b_pack);
    }
  }
}

/// The packs live on the task's stack, sized for its kind of B: 352 KiB with a run-time B, 192
/// KiB with a pre-packed one. No allocation, and so no dependence on the services' version.
static void llmc_gemm_task_runtime_b(const llmc_gemm_args_t *g, int64_t i0, int64_t i1,
                                     int64_t j0) {
  float a_pack[LLMC_GEMM_MC * LLMC_GEMM_KC] __attribute__((aligned(64)));
  float b_pack[LLMC_GEMM_KC * LLMC_GEMM_NC] __attribute__((aligned(64)));
  llmc_gemm_task(g, i0, i1, j0, LLMC_GEMM_KC, a_pack, b_pack);
}

static void llmc_gemm_task_packed_b(const llmc_gemm_args_t *g, int64_t i0, int64_t i1, int64_t j0) {
  float a_pack[LLMC_GEMM_MC * LLMC_GEMM_PACKED_KC] __attribute__((aligned(64)));
  llmc_gemm_task(g, i0, i1, j0, LLMC_GEMM_PACKED_KC, a_pack, 0);
}

/// The epilogue on rows [i0, i1) x columns [j0, j0 + cols) of C, while the task's block is still
/// in the caches: the bias per column or per row, then ReLU (max(x, 0) as arith.maximumf: NaN
/// stays NaN, -0 becomes +0).
/// The epilogue's activation of 16 values.
LLMC_INLINE f32x16 llmc_gemm_activate(f32x16 v, int64_t flags) {
  if (flags & LLMC_GEMM_EPILOGUE_RELU)
    v = v <= 0.0f ? 0.0f : v;
  if (flags & LLMC_GEMM_EPILOGUE_GELU)
    v = llmc_gelu_f32x16(v);
  if (flags & LLMC_GEMM_EPILOGUE_GELU_TANH)
    v = llmc_gelu_tanh_f32x16(v);
  return v;
}

LLMC_INLINE void llmc_gemm_epilogue(const llmc_gemm_args_t *g, int64_t i0, int64_t i1, int64_t j0,
                                    int64_t cols) {
  const int64_t flags = g->epilogue;
  if (!flags)
    return;
  const bool columns = flags & LLMC_GEMM_EPILOGUE_BIAS_COLUMNS,
             rows = flags & LLMC_GEMM_EPILOGUE_BIAS_ROWS;
  for (int64_t i = i0; i < i1; ++i) {
    float *row = g->c + i * g->n + j0;
    const float *bias = columns ? g->bias + j0 : 0;
    const float row_bias = rows ? g->bias[i] : 0.0f;
    int64_t j = 0;
    // Four groups at a time: the activations' long dependency chains (GELU's polynomial and
    // exp) then overlap.
    for (; j + 64 <= cols; j += 64) {
      f32x16 v[4];
#pragma clang loop unroll(full)
      for (int u = 0; u < 4; ++u) {
        v[u] = llmc_load_f32x16(row + j + 16 * u) + row_bias;
        if (columns)
          v[u] += llmc_load_f32x16(bias + j + 16 * u);
      }
#pragma clang loop unroll(full)
      for (int u = 0; u < 4; ++u)
        llmc_store_f32x16(row + j + 16 * u, llmc_gemm_activate(v[u], flags));
    }
    for (; j < cols; j += 16) {
      // The last group of a row goes through a local copy, zeros past the row's end.
      const int64_t width = cols - j < 16 ? cols - j : 16;
      float tail[16] = {0};
      float *at = width == 16 ? row + j : tail;
      if (width < 16)
        for (int64_t q = 0; q < width; ++q)
          tail[q] = row[j + q];
      f32x16 v = llmc_load_f32x16(at) + row_bias;
      if (columns) {
        f32x16 b = 0.0f;
        if (width == 16)
          b = llmc_load_f32x16(bias + j);
        else
          for (int64_t q = 0; q < width; ++q)
            b[q] = bias[j + q];
        v += b;
      }
      llmc_store_f32x16(at, llmc_gemm_activate(v, flags));
      if (width < 16)
        for (int64_t q = 0; q < width; ++q)
          row[j + q] = tail[q];
    }
  }
}

/// Tall products by pre-packed weights in several column chunks: each thread takes a group of
/// whole MR-row panels of C, all of its columns, and for each k block runs every column chunk
/// over its rows of A: the chunk's block of B stays in L2 while A's rows stream past it, and no
/// thread waits for another. Where the variant has an in-place microkernel (AVX-512), A's full
/// panels are read where they are and only a last, shorter panel is packed (on the stack);
/// otherwise the group packs its rows of each k block once, into its part of `a_all`, for all
/// the chunks. Measured on 1024- and 2048-cubed products: packing A in a separate phase shared
/// by all chunks, with a barrier per k block, ran 4 to 10% slower on 2 threads; packing it at
/// all, rather than reading it in place, 2 to 8% slower at 1024 (no difference at 2048); and
/// smaller groups, several per thread, re-read B more and ran up to 15% slower.
typedef struct {
  const llmc_gemm_args_t *g;
  float *a_all; // a group's k block of A in MR-row panels from a_all + i0 * kc_max (packing)
  int64_t group_rows, kc_max;
} llmc_gemm_groups_t;

#ifdef LLMC_GEMM_A_IN_PLACE
/// Rows [r0, r1) of C (whole MR panels) by columns [j0, j0 + cols) for the k block at p0, A in
/// place; a tile narrower than NR goes through a local buffer, as in llmc_gemm_edge_tile.
LLMC_INLINE void llmc_gemm_panels_in_place(const llmc_gemm_args_t *g, int64_t r0, int64_t r1,
                                           int64_t j0, int64_t cols, int64_t p0, int64_t kc) {
  const int64_t n = g->n, k = g->k;
  for (int64_t ir = r0; ir < r1; ir += LLMC_GEMM_MR) {
    const float *a = g->a + ir * k + p0;
    for (int64_t jr = 0; jr < cols; jr += LLMC_GEMM_NR) {
      const int64_t nr = cols - jr < LLMC_GEMM_NR ? cols - jr : LLMC_GEMM_NR;
      const int64_t j = j0 + jr;
      const float *b = llmc_gemm_packed_b(g, j, p0);
      float *c = g->c + ir * n + j;
      if (nr == LLMC_GEMM_NR) {
        llmc_gemm_micro_in_place(kc, a, k, b, LLMC_GEMM_PANEL, c, n, p0 > 0);
        continue;
      }
      float tile[LLMC_GEMM_MR * LLMC_GEMM_NR] __attribute__((aligned(64)));
      llmc_gemm_micro_in_place(kc, a, k, b, LLMC_GEMM_PANEL, tile, LLMC_GEMM_NR, false);
      llmc_gemm_copy_tile(LLMC_GEMM_MR, nr, tile, c, n, p0 > 0);
    }
  }
}
#endif

static void llmc_gemm_group_body(void *context, int64_t begin, int64_t end) {
  const llmc_gemm_groups_t *s = (const llmc_gemm_groups_t *)context;
  const llmc_gemm_args_t *g = s->g;
  const int64_t m = g->m, n = g->n, k = g->k;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t i0 = t * s->group_rows;
    const int64_t i1 = m - i0 < s->group_rows ? m : i0 + s->group_rows;
    for (int64_t p0 = 0; p0 < k; p0 += s->kc_max) {
      const int64_t kc = k - p0 < s->kc_max ? k - p0 : s->kc_max;
#ifdef LLMC_GEMM_A_IN_PLACE
      const int64_t full = i0 + (i1 - i0) / LLMC_GEMM_MR * LLMC_GEMM_MR;
      float tail[LLMC_GEMM_MR * LLMC_GEMM_PACKED_KC] __attribute__((aligned(64)));
      if (full < i1)
        llmc_gemm_pack_a(g->a + full * k + p0, k, i1 - full, kc, tail);
      for (int64_t j0 = 0; j0 < n; j0 += g->col_chunk) {
        const int64_t cols = n - j0 < g->col_chunk ? n - j0 : g->col_chunk;
        llmc_gemm_panels_in_place(g, i0, full, j0, cols, p0, kc);
        if (full < i1)
          llmc_gemm_panels(g, full, i1, tail, j0, cols, p0, kc, 0);
      }
#else
      float *a_panels = s->a_all + i0 * s->kc_max;
      llmc_gemm_pack_a(g->a + i0 * k + p0, k, i1 - i0, kc, a_panels);
      for (int64_t j0 = 0; j0 < n; j0 += g->col_chunk)
        llmc_gemm_panels(g, i0, i1, a_panels, j0, n - j0 < g->col_chunk ? n - j0 : g->col_chunk, p0,
                         kc, 0);
#endif
    }
    llmc_gemm_epilogue(g, i0, i1, 0, n);
  }
}

static void llmc_gemm_body(void *context, int64_t begin, int64_t end) {
  const llmc_gemm_args_t *g = (const llmc_gemm_args_t *)context;
  for (int64_t t = begin; t < end; ++t) {
    int64_t i0, i1, j0, cols;
    llmc_gemm_task_bounds(g, t, &i0, &i1, &j0, &cols);
    if (g->packed)
      llmc_gemm_task_packed_b(g, i0, i1, j0);
    else
      llmc_gemm_task_runtime_b(g, i0, i1, j0);
    llmc_gemm_epilogue(g, i0, i1, j0, cols);
  }
}

/// C = A x B with B row-major or pre-packed: splits C into tasks and runs them.
LLMC_INLINE void llmc_gemm(const float *a, const float *b, const float *bias, int64_t epilogue,
                           float *c, int64_t m, int64_t n, int64_t k, bool packed,
                           const llmc_services_t *services) {
  if (m <= 0 || n <= 0)
    return;
  // A task covers all of m for its columns, so B is packed once; with too few tasks for the
  // threads (two each), a pre-packed B (which costs nothing to share) is cut into narrower
  // column chunks, and then m is split into groups of whole A blocks as well.
  const int64_t threads = services && services->thread_count > 1 ? services->thread_count : 1;
  const int64_t wanted = threads > 1 ? 2 * threads : 1; // tasks: two per thread balance better
  const int64_t row_blocks = (m + LLMC_GEMM_MC - 1) / LLMC_GEMM_MC;
  int64_t col_chunk = packed ? LLMC_GEMM_PACKED_NC : LLMC_GEMM_NC;
  while (packed && col_chunk > LLMC_GEMM_PANEL &&
         (n + col_chunk - 1) / col_chunk * row_blocks < wanted)
    col_chunk /= 2;
  const int64_t col_tasks = (n + col_chunk - 1) / col_chunk;
  int64_t groups = (wanted + col_tasks - 1) / col_tasks;
  if (groups > row_blocks)
    groups = row_blocks;
  const int64_t blocks_per_group = (row_blocks + groups - 1) / groups;
  llmc_gemm_args_t g = {
      a,     b, bias, epilogue, c, m, n, k, col_chunk, col_tasks, blocks_per_group * LLMC_GEMM_MC,
      packed};
  if (k <= 0) { // An empty sum: zeros, then the epilogue.
    for (int64_t i = 0; i < m * n; ++i)
      c[i] = 0.0f;
    llmc_gemm_epilogue(&g, 0, m, 0, n);
    return;
  }
  groups = (row_blocks + blocks_per_group - 1) / blocks_per_group;
  // Tall products by pre-packed weights in several column chunks: a group of rows per thread,
  // A read in place, or packed into memory from the services (version 2 on).
#ifdef LLMC_GEMM_A_IN_PLACE
  const bool a_in_place = true;
#else
  const bool a_in_place = false;
#endif
  const bool can_allocate =
      services && services->version >= 2 &&
      services->size >= offsetof(llmc_services_t, allocate) + sizeof(services->allocate) &&
      services->allocate;
  if (packed && (a_in_place || can_allocate) && col_tasks > 1 && row_blocks >= 4) {
    const int64_t kc_max = k < LLMC_GEMM_PACKED_KC ? k : LLMC_GEMM_PACKED_KC;
    const int64_t m_panels = (m + LLMC_GEMM_MR - 1) / LLMC_GEMM_MR;
    float *a_all =
        a_in_place ? 0
                   : (float *)services->allocate(
                         services, m_panels * LLMC_GEMM_MR * kc_max * (int64_t)sizeof(float), 64);
    const int64_t group_rows = (m_panels + threads - 1) / threads * LLMC_GEMM_MR;
    llmc_gemm_groups_t args = {&g, a_all, group_rows, kc_max};
    llmc_parallel(services, (m + group_rows - 1) / group_rows, 1, llmc_gemm_group_body, &args);
    return;
  }
  llmc_parallel(services, groups * col_tasks, 1, llmc_gemm_body, &g);
}

void LLMC_GEMM_NAME(llmc_mk_matmul_f32)(const float *a, const float *b, float *c, int64_t m,
                                        int64_t n, int64_t k, const llmc_services_t *services) {
  llmc_gemm(a, b, 0, 0, c, m, n, k, false, services);
}

void LLMC_GEMM_NAME(llmc_mk_matmul_f32_packed)(const float *a, const float *b_packed, float *c,
                                               int64_t m, int64_t n, int64_t k,
                                               const llmc_services_t *services) {
  llmc_gemm(a, b_packed, 0, 0, c, m, n, k, true, services);
}

void LLMC_GEMM_NAME(llmc_mk_matmul_f32_epilogue)(const float *a, const float *b, const float *bias,
                                                 float *c, int64_t m, int64_t n, int64_t k,
                                                 int64_t epilogue,
                                                 const llmc_services_t *services) {
  llmc_gemm(a, b, bias, epilogue, c, m, n, k, false, services);
}

void LLMC_GEMM_NAME(llmc_mk_matmul_f32_packed_epilogue)(const float *a, const float *b_packed,
                                                        const float *bias, float *c, int64_t m,
                                                        int64_t n, int64_t k, int64_t epilogue,
                                                        const llmc_services_t *services) {
  llmc_gemm(a, b_packed, bias, epilogue, c, m, n, k, true, services);
}
