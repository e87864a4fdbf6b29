/*===- linear.c - y = x W^T over ggml weight formats -------------------------===
 *
 * The weights are dequantized inside the dot products, 32 elements at a time, into f32 vectors:
 * a group's products with x are summed in a vector, which is then scaled by the group's scale
 * once and added to an accumulator (for Q4_K the group's min times the sum of x is subtracted).
 * Threads split the weight rows (in tiles of four); each task holds at least 64 KB of weights.
 *
 * Decode (m = 1) is bound by memory bandwidth: each weight row is streamed once, prefetched
 * 3 KB ahead in software, with two accumulators; x stays in L1.
 *
 * Prefill (m > 1) works on tiles of 4 weight rows x 4 rows of x, so that each weight group is
 * unpacked once for four rows of x and each group of x loaded once for four weight rows. A task's
 * rows are walked in blocks of about 256 KB of weights and x in chunks of about 512 KB, so that
 * both stay in L2 while every weight is read from memory once.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

/// Weight rows per tile, rows of x per tile (the prefill path, m > 1).
#define LLMC_TILE_ROWS 4
#define LLMC_TILE_XS 4
/// How far ahead of its reads the decode path (m = 1) prefetches a weight row, in bytes: far
/// enough to cover the memory latency at full bandwidth, which the hardware prefetcher alone
/// does not reach on one core.
#define LLMC_PREFETCH_BYTES 3072

typedef struct {
  const float *x;
  const uint8_t *w;
  float *y;
  int64_t m, n, k;
} llmc_linear_args_t;

/// acc + the products of one unpacked weight group with the matching 32 elements of x (x0, x1;
/// xs = x0 + x1, used by Q4_K's min), the group's scale applied once.
LLMC_INLINE f32x16 llmc_group_accumulate(const int fmt, const llmc_group_t *q, f32x16 x0, f32x16 x1,
                                         f32x16 xs, f32x16 acc) {
  if (fmt == LLMC_Q6_K) {
    acc = q->s0 * (q->q0 * x0) + acc;
    return q->s1 * (q->q1 * x1) + acc;
  }
  if (llmc_has_tail(fmt)) {
    acc = q->q0 * x0 + acc;
    return q->q1 * x1 + acc;
  }
  const f32x16 dot = q->q0 * x0 + q->q1 * x1;
  acc = q->s0 * dot + acc;
  if (fmt == LLMC_Q4_K)
    acc = acc - q->mn * xs;
  return acc;
}

/// The products of the float-format elements [nb * 32, k) of the R rows at w with the M rows of
/// x, added to tail[r][i].
LLMC_INLINE void llmc_linear_tail(const int fmt, const int R, const int M, const uint8_t *w,
                                  int64_t row_bytes, const float *x, int64_t k, int64_t from,
                                  float tail[][LLMC_TILE_XS]) {
  for (int64_t e = from; e < k; ++e) {
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r) {
      const float wv = llmc_float_elem(fmt, w + r * row_bytes, e);
#pragma clang loop unroll(full)
      for (int i = 0; i < M; ++i)
        tail[r][i] = wv * x[i * k + e] + tail[r][i];
    }
  }
}

/// The decode path: the dot product of one weight row with x, streaming the row with software
/// prefetch and two accumulators (alternate groups), so that neither the memory latency nor the
/// latency of the accumulating FMA limits it.
LLMC_INLINE float llmc_linear_row(const int fmt, const uint8_t *w, const float *x, int64_t k) {
  const int64_t qk = llmc_block_elems(fmt), bb = llmc_block_bytes(fmt);
  const int groups = (int)(qk / 32);
  const int unroll = groups == 1 ? 2 : 1; // blocks per step: two groups per step at least
  const int lines = (int)((unroll * bb + 63) / 64);
  const int64_t nb = k / qk;
  f32x16 acc[2] = {0.0f, 0.0f};
  int64_t b = 0;
  for (; b + unroll <= nb; b += unroll) {
#pragma clang loop unroll(full)
    for (int l = 0; l < lines; ++l)
      __builtin_prefetch(w + b * bb + LLMC_PREFETCH_BYTES + 64 * l, 0, 3);
#pragma clang loop unroll(full)
    for (int u = 0; u < unroll; ++u) {
#pragma clang loop unroll(full)
      for (int g = 0; g < groups; ++g) {
        const float *xg = x + (b + u) * qk + 32 * g;
        const f32x16 x0 = llmc_load_f32x16(xg), x1 = llmc_load_f32x16(xg + 16);
        const llmc_group_t q = llmc_unpack_group(fmt, w + (b + u) * bb, g);
        const int a = (u * groups + g) & 1;
        acc[a] = llmc_group_accumulate(fmt, &q, x0, x1, x0 + x1, acc[a]);
      }
    }
  }
  for (; b < nb; ++b) {
#pragma clang loop unroll(full)
    for (int g = 0; g < groups; ++g) {
      const float *xg = x + b * qk + 32 * g;
      const f32x16 x0 = llmc_load_f32x16(xg), x1 = llmc_load_f32x16(xg + 16);
      const llmc_group_t q = llmc_unpack_group(fmt, w + b * bb, g);
      acc[0] = llmc_group_accumulate(fmt, &q, x0, x1, x0 + x1, acc[0]);
    }
  }
  float tail[1][LLMC_TILE_XS] = {{0.0f}};
  if (llmc_has_tail(fmt))
    llmc_linear_tail(fmt, 1, 1, w, 0, x, k, nb * 32, tail);
  return llmc_hsum_f32x16(acc[0] + acc[1]) * llmc_group_post_scale(fmt) + tail[0][0];
}

/// The prefill path: y[i, r] for the R weight rows at `w` (row stride row_bytes) and the M rows
/// of x at `x` (row stride k), written to y[i * n + r]. R <= LLMC_TILE_ROWS and M <=
/// LLMC_TILE_XS are constants after inlining, which unrolls every loop over them and keeps the
/// R x M accumulators in registers: each group of x is loaded once for R weight rows and each
/// weight group is unpacked once for M rows of x.
LLMC_INLINE void llmc_linear_tile(const int fmt, const int R, const int M, const uint8_t *w,
                                  int64_t row_bytes, const float *x, int64_t k, float *y,
                                  int64_t n) {
  const int64_t qk = llmc_block_elems(fmt), bb = llmc_block_bytes(fmt);
  const int groups = (int)(qk / 32);
  const int64_t nb = k / qk;
  f32x16 acc[LLMC_TILE_ROWS][LLMC_TILE_XS];
#pragma clang loop unroll(full)
  for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
    for (int i = 0; i < M; ++i)
      acc[r][i] = 0.0f;

  for (int64_t b = 0; b < nb; ++b) {
#pragma clang loop unroll(full)
    for (int g = 0; g < groups; ++g) {
      const float *xg = x + b * qk + 32 * g;
      f32x16 x0[LLMC_TILE_XS], x1[LLMC_TILE_XS], xs[LLMC_TILE_XS];
#pragma clang loop unroll(full)
      for (int i = 0; i < M; ++i) {
        x0[i] = llmc_load_f32x16(xg + i * k);
        x1[i] = llmc_load_f32x16(xg + i * k + 16);
        xs[i] = x0[i] + x1[i];
      }
#pragma clang loop unroll(full)
      for (int r = 0; r < R; ++r) {
        const llmc_group_t q = llmc_unpack_group(fmt, w + r * row_bytes + b * bb, g);
#pragma clang loop unroll(full)
        for (int i = 0; i < M; ++i)
          acc[r][i] = llmc_group_accumulate(fmt, &q, x0[i], x1[i], xs[i], acc[r][i]);
      }
    }
  }

  float tail[LLMC_TILE_ROWS][LLMC_TILE_XS];
#pragma clang loop unroll(full)
  for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
    for (int i = 0; i < M; ++i)
      tail[r][i] = 0.0f;
  if (llmc_has_tail(fmt))
    llmc_linear_tail(fmt, R, M, w, row_bytes, x, k, nb * 32, tail);
#pragma clang loop unroll(full)
  for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
    for (int i = 0; i < M; ++i)
      y[i * n + r] = llmc_hsum_f32x16(acc[r][i]) * llmc_group_post_scale(fmt) + tail[r][i];
}

/// All rows of x against weight rows [r0, r1), in tiles.
LLMC_INLINE void llmc_linear_rows(const int fmt, const llmc_linear_args_t *a, int64_t r0,
                                  int64_t r1, int64_t i0, int64_t i1) {
  const int64_t row_bytes = llmc_row_bytes(fmt, a->k);
  int64_t r = r0;
  for (; r + LLMC_TILE_ROWS <= r1; r += LLMC_TILE_ROWS) {
    const uint8_t *w = a->w + r * row_bytes;
    int64_t i = i0;
    for (; i + LLMC_TILE_XS <= i1; i += LLMC_TILE_XS)
      llmc_linear_tile(fmt, LLMC_TILE_ROWS, LLMC_TILE_XS, w, row_bytes, a->x + i * a->k, a->k,
                       a->y + i * a->n + r, a->n);
    for (; i < i1; ++i)
      llmc_linear_tile(fmt, LLMC_TILE_ROWS, 1, w, row_bytes, a->x + i * a->k, a->k,
                       a->y + i * a->n + r, a->n);
  }
  for (; r < r1; ++r) {
    const uint8_t *w = a->w + r * row_bytes;
    int64_t i = i0;
    for (; i + LLMC_TILE_XS <= i1; i += LLMC_TILE_XS)
      llmc_linear_tile(fmt, 1, LLMC_TILE_XS, w, row_bytes, a->x + i * a->k, a->k,
                       a->y + i * a->n + r, a->n);
    for (; i < i1; ++i)
      llmc_linear_tile(fmt, 1, 1, w, row_bytes, a->x + i * a->k, a->k, a->y + i * a->n + r, a->n);
  }
}

/// The body of a parallel loop over tiles of LLMC_TILE_ROWS weight rows.
LLMC_INLINE void llmc_linear_range(const int fmt, void *context, int64_t begin, int64_t end) {
  const llmc_linear_args_t *a = (const llmc_linear_args_t *)context;
  const int64_t r_begin = begin * LLMC_TILE_ROWS;
  const int64_t r_end = end * LLMC_TILE_ROWS < a->n ? end * LLMC_TILE_ROWS : a->n;
  const int64_t row_bytes = llmc_row_bytes(fmt, a->k);
  if (a->m == 1) {
    for (int64_t r = r_begin; r < r_end; ++r)
      a->y[r] = llmc_linear_row(fmt, a->w + r * row_bytes, a->x, a->k);
    return;
  }
  // Blocks of weight rows (~256 KB) that stay in L2 while chunks of x (~512 KB) pass over them.
  int64_t rows_per_block = (256 * 1024 / row_bytes) / LLMC_TILE_ROWS * LLMC_TILE_ROWS;
  if (rows_per_block < LLMC_TILE_ROWS)
    rows_per_block = LLMC_TILE_ROWS;
  int64_t xs_per_chunk = (512 * 1024 / (a->k * 4)) / LLMC_TILE_XS * LLMC_TILE_XS;
  if (xs_per_chunk < LLMC_TILE_XS)
    xs_per_chunk = LLMC_TILE_XS;
  for (int64_t rb = r_begin; rb < r_end; rb += rows_per_block) {
    const int64_t re = rb + rows_per_block < r_end ? rb + rows_per_block : r_end;
    for (int64_t ib = 0; ib < a->m; ib += xs_per_chunk)
      llmc_linear_rows(fmt, a, rb, re, ib, ib + xs_per_chunk < a->m ? ib + xs_per_chunk : a->m);
  }
}

/// Splits the weight rows into tasks of at least 64 KB of weights.
static void llmc_linear_run(int fmt, llmc_parallel_body_t body, const float *x, const void *w,
                            float *y, int64_t m, int64_t n, int64_t k,
                            const llmc_services_t *services) {
  llmc_linear_args_t args = {x, (const uint8_t *)w, y, m, n, k};
  const int64_t tiles = (n + LLMC_TILE_ROWS - 1) / LLMC_TILE_ROWS;
  const int64_t tile_bytes = llmc_row_bytes(fmt, k) * LLMC_TILE_ROWS;
  const int64_t grain = tile_bytes > 0 ? (64 * 1024 + tile_bytes - 1) / tile_bytes : tiles;
  llmc_parallel(services, tiles, grain, body, &args);
}

#define LLMC_DEFINE_LINEAR(NAME, FMT)                                                              \
  static void llmc_linear_body_##NAME(void *context, int64_t begin, int64_t end) {                 \
    llmc_linear_range(FMT, context, begin, end);                                                   \
  }                                                                                                \
  void llmc_mk_linear_##NAME(const float *x, const void *w, float *y, int64_t m, int64_t n,        \
                             int64_t k, const llmc_services_t *services) {                         \
    llmc_linear_run(FMT, llmc_linear_body_##NAME, x, w, y, m, n, k, services);                     \
  }

LLMC_DEFINE_LINEAR(f32, LLMC_F32)
LLMC_DEFINE_LINEAR(f16, LLMC_F16)
LLMC_DEFINE_LINEAR(bf16, LLMC_BF16)
LLMC_DEFINE_LINEAR(q8_0, LLMC_Q8_0)
LLMC_DEFINE_LINEAR(q4_0, LLMC_Q4_0)
LLMC_DEFINE_LINEAR(q4_k, LLMC_Q4_K)
LLMC_DEFINE_LINEAR(q6_k, LLMC_Q6_K)
