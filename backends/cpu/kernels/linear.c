/*===- linear.c - y = x W^T over ggml weight formats -------------------------===
 *
 * Q8_0 and Q4_0 weights take llama.cpp's CPU path: each row of x is quantized to Q8_0 (per block
 * of 32: d = amax / 127 rounded to f16, q = roundf(x / d) as ggml's quantize_row_q8_0_ref does),
 * each weight block's dot product with it is an exact integer, and `d_w * d_x * isum` is summed
 * in f32, as ggml_vec_dot_q4_0_q8_0 / _q8_0_q8_0 do. The integer products are written as
 * sign-extended 16-bit pairs summed into 32-bit lanes, the idiom LLVM turns into pmaddwd /
 * vpdpwssd on x86 and smull + addp on AArch64; two weight blocks share one 16-lane result, whose
 * lanes are scaled by their block's d_w * d_x and accumulated in f32. LLVM does not turn generic
 * code into vpdpbusd (unsigned times signed bytes), so the build also compiles this file with
 * AVX512-VNNI and -DLLMC_KERNEL_VARIANT_AVX512VNNI, which takes the block dots, four blocks to a
 * vector, from linear_avx512vnni.h and defines only the Q8_0 and Q4_0 kernels, with the suffix
 * __avx512vnni; the compiler links them in place of the generic ones for targets that have the
 * features. For AArch64 with dotprod, -DLLMC_KERNEL_VARIANT_DOTPROD takes SDOT block dots from
 * linear_neon_dotprod.h (__dotprod), which give the generic kernels' results bit for bit.
 *
 * The other formats are dequantized inside the dot products, 32 elements at a time, into f32
 * vectors: a group's products with x are summed in a vector, which is then scaled by the group's
 * scale once and added to an accumulator (for Q4_K the group's min times the sum of x is
 * subtracted). llama.cpp would quantize x to Q8_K for the K-quants and take f16 or bf16 x for the
 * float formats; llmc keeps f32 x there for now.
 *
 * Threads split the weight rows (in tiles of four); each task holds at least 64 KB of weights.
 *
 * Decode (m = 1) is bound by memory bandwidth: each weight row is streamed once, prefetched
 * 3 KB ahead in software, with two accumulators; x stays in L1. For Q8_0 / Q4_0 the caller
 * quantizes x once per call (in chunks of k that fit a fixed local buffer) and the tasks share it.
 *
 * Prefill (m > 1) works on tiles of 4 weight rows x 4 rows of x, so that each weight group is
 * unpacked once for four rows of x and each group of x loaded once for four weight rows. A task's
 * rows are walked in blocks of about 256 KB of weights and x in chunks of about 512 KB, so that
 * both stay in L2 while every weight is read from memory once. For Q8_0 / Q4_0 each task
 * quantizes the rows of x it needs, four at a time and in chunks of k, into a local buffer.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

/// An ISA variant of the Q8_0 / Q4_0 kernels: the build defines one of these macros.
#if defined(LLMC_KERNEL_VARIANT_AVX512VNNI) || defined(LLMC_KERNEL_VARIANT_DOTPROD)
#define LLMC_LINEAR_VARIANT 1
#endif

/// Weight rows per tile, rows of x per tile (the prefill path, m > 1).
#define LLMC_TILE_ROWS 4
#define LLMC_TILE_XS 4
/// How far ahead of its reads the decode path (m = 1) prefetches a weight row, in bytes: far
/// enough to cover the memory latency at full bandwidth, which the hardware prefetcher alone
/// does not reach on one core.
#define LLMC_PREFETCH_BYTES 3072

// The float formats and the K-quants dequantize their weights; the ISA variants (see
// LLMC_VARIANT_NAME below) leave them generic.
#ifndef LLMC_LINEAR_VARIANT

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

#endif // !LLMC_LINEAR_VARIANT

/*===----------------------------------------------------------------------===
 * Q8_0 and Q4_0: x quantized to Q8_0, integer block dot products
 *===----------------------------------------------------------------------===*/

/// Quantizes the 32 values at x to Q8_0 exactly as ggml's quantize_row_q8_0_ref: amax, d =
/// amax / 127, id = d ? 1 / d : 0, q = roundf(x * id), all in f32. The block's scale as the dot
/// products read it (d rounded to f16 and back) goes to *scale.
LLMC_INLINE void llmc_quantize_block(const float *x, i16x16 *q0, i16x16 *q1, float *scale) {
  const f32x16 a = llmc_load_f32x16(x), b = llmc_load_f32x16(x + 16);
  const float amax = __builtin_reduce_max(
      __builtin_elementwise_max(__builtin_elementwise_abs(a), __builtin_elementwise_abs(b)));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  *q0 = __builtin_convertvector(__builtin_elementwise_round(a * id), i16x16);
  *q1 = __builtin_convertvector(__builtin_elementwise_round(b * id), i16x16);
  *scale = (float)(_Float16)d;
}

#if defined(LLMC_KERNEL_VARIANT_AVX512VNNI)
#include "linear_avx512vnni.h"
#elif defined(LLMC_KERNEL_VARIANT_DOTPROD)
#include "linear_neon_dotprod.h"
#else

/// Blocks per unit of quantized x and of unpacked weights: the generic code works on pairs.
#define LLMC_QX_BLOCKS 2

/// Two consecutive blocks of a row of x quantized to Q8_0, laid out for the dot products: the
/// values widened to int16 (x0, x1 the two blocks) as lo = x0[0..15] x1[0..15] and hi =
/// x0[16..31] x1[16..31], the order in which two weight blocks are loaded, and each block's scale
/// (f16-rounded, as f32) splat over the 8 result lanes of its block. A row's last odd block has
/// x1 = 0 and scale 0.
typedef struct {
  int16_t lo[32], hi[32];
  float d[16];
} __attribute__((aligned(64))) llmc_qx_t;

/// Quantizes `blocks` blocks of 32 values at x into (blocks + 1) / 2 pairs at out.
LLMC_INLINE void llmc_quantize_units(const int fmt, const float *x, int64_t blocks,
                                     llmc_qx_t *out) {
  (void)fmt;
  for (int64_t p = 0; 2 * p < blocks; ++p) {
    i16x16 a0, a1, b0 = 0, b1 = 0;
    float da, db = 0.0f;
    llmc_quantize_block(x + 64 * p, &a0, &a1, &da);
    if (2 * p + 1 < blocks)
      llmc_quantize_block(x + 64 * p + 32, &b0, &b1, &db);
    const i16x32 lo =
        __builtin_shufflevector(a0, b0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    const i16x32 hi =
        __builtin_shufflevector(a1, b1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    __builtin_memcpy(out[p].lo, &lo, sizeof(lo));
    __builtin_memcpy(out[p].hi, &hi, sizeof(hi));
    for (int l = 0; l < 8; ++l) {
      out[p].d[l] = da;
      out[p].d[8 + l] = db;
    }
  }
}

/// Two weight blocks unpacked for llmc_qunit_accumulate: their values as int16 in the order of
/// llmc_qx_t's lo and hi, and their scales splat over their 8 result lanes. Q4_0 values are
/// 16 * (nibble - 8), which take fewer instructions (see llmc_unpack_group); the results are
/// scaled by 1/16 at the end, exactly.
typedef struct {
  i16x32 lo, hi;
  f32x16 d;
} llmc_wunit_t;

/// The power of two the results are scaled by at the end.
LLMC_INLINE float llmc_qunit_post_scale(int fmt) { return llmc_group_post_scale(fmt); }

/// 16 bytes from an address of any alignment.
LLMC_INLINE i8x16 llmc_load_i8x16(const uint8_t *p) {
  i8x16 v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

/// Unpacks the `count` (1 or 2) blocks at blk; a missing second block reads as zeros with
/// scale 0, and nothing of it is read.
LLMC_INLINE llmc_wunit_t llmc_unpack_wunit(const int fmt, const uint8_t *blk, const int count) {
  const int64_t bb = llmc_block_bytes(fmt);
  const bool two = count == 2;
  i8x16 lo0, hi0, lo1 = 0, hi1 = 0;
  if (fmt == LLMC_Q4_0) {
    const u8x16 b0 = (u8x16)llmc_load_i8x16(blk + 2);
    lo0 = (i8x16)((b0 << 4) ^ (uint8_t)0x80);
    hi0 = (i8x16)((b0 & (uint8_t)0xF0) ^ (uint8_t)0x80);
    if (two) {
      const u8x16 b1 = (u8x16)llmc_load_i8x16(blk + bb + 2);
      lo1 = (i8x16)((b1 << 4) ^ (uint8_t)0x80);
      hi1 = (i8x16)((b1 & (uint8_t)0xF0) ^ (uint8_t)0x80);
    }
  } else {
    lo0 = llmc_load_i8x16(blk + 2);
    hi0 = llmc_load_i8x16(blk + 18);
    if (two) {
      lo1 = llmc_load_i8x16(blk + bb + 2);
      hi1 = llmc_load_i8x16(blk + bb + 18);
    }
  }
  const i8x32 lo =
      __builtin_shufflevector(lo0, lo1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                              17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  const i8x32 hi =
      __builtin_shufflevector(hi0, hi1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                              17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
  _Float16 h0, h1 = 0;
  __builtin_memcpy(&h0, blk, sizeof(h0));
  if (two)
    __builtin_memcpy(&h1, blk + bb, sizeof(h1));
  const f16x8 s0 = h0, s1 = h1;
  const f16x16 s =
      __builtin_shufflevector(s0, s1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  llmc_wunit_t r;
  r.lo = __builtin_convertvector(lo, i16x32);
  r.hi = __builtin_convertvector(hi, i16x32);
  r.d = __builtin_convertvector(s, f32x16);
  return r;
}

/// a[2l] * b[2l] + a[2l + 1] * b[2l + 1] in 32-bit lane l: exact (no int16 product overflows
/// int32), the pattern of pmaddwd.
LLMC_INLINE i32x16 llmc_madd_i16(i16x32 a, i16x32 b) {
  const i32x32 p = __builtin_convertvector(a, i32x32) * __builtin_convertvector(b, i32x32);
  return __builtin_shufflevector(p, p, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
         __builtin_shufflevector(p, p, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/// acc + the two blocks' products with the pair of x: lanes 0-7 hold partial integer sums of the
/// first block, 8-15 of the second, each converted exactly to f32 and scaled by d_w * d_x.
LLMC_INLINE f32x16 llmc_qunit_accumulate(const llmc_wunit_t *w, const llmc_qx_t *x, f32x16 acc) {
  i16x32 xlo, xhi;
  __builtin_memcpy(&xlo, x->lo, sizeof(xlo));
  __builtin_memcpy(&xhi, x->hi, sizeof(xhi));
  f32x16 dx;
  __builtin_memcpy(&dx, x->d, sizeof(dx));
  const i32x16 sums = llmc_madd_i16(w->lo, xlo) + llmc_madd_i16(w->hi, xhi);
  return (w->d * dx) * __builtin_convertvector(sums, f32x16) + acc;
}

#endif // LLMC_KERNEL_VARIANT_AVX512VNNI, LLMC_KERNEL_VARIANT_DOTPROD

/// Blocks of x that the decode path quantizes at a time (8192 values, 24 KB or less on the
/// stack) and that a prefill task quantizes at a time per row of x, for four rows (24 KB or less).
#define LLMC_QX_DECODE_BLOCKS 256
#define LLMC_QX_PREFILL_BLOCKS 64
#define LLMC_QX_DECODE_UNITS (LLMC_QX_DECODE_BLOCKS / LLMC_QX_BLOCKS)
#define LLMC_QX_PREFILL_UNITS (LLMC_QX_PREFILL_BLOCKS / LLMC_QX_BLOCKS)

typedef struct {
  const float *x;
  const uint8_t *w;
  float *y;
  int64_t m, n, k;
  /// Decode: x's blocks [block0, block0 + blocks) quantized at xq; y is written when block0 is 0
  /// and added to after.
  const llmc_qx_t *xq;
  int64_t block0, blocks;
} llmc_qlinear_args_t;

/// The decode path: the dot product of blocks [0, blocks) of one weight row with quantized x,
/// streaming the row with software prefetch, two units of blocks per step into two accumulators.
LLMC_INLINE float llmc_qlinear_row(const int fmt, const uint8_t *w, const llmc_qx_t *xq,
                                   int64_t blocks) {
  const int64_t bb = llmc_block_bytes(fmt), ub = LLMC_QX_BLOCKS * bb;
  const int lines = (int)((2 * ub + 63) / 64);
  f32x16 acc0 = 0.0f, acc1 = 0.0f;
  int64_t u = 0;
  for (; (u + 2) * LLMC_QX_BLOCKS <= blocks; u += 2) {
#pragma clang loop unroll(full)
    for (int l = 0; l < lines; ++l)
      __builtin_prefetch(w + u * ub + LLMC_PREFETCH_BYTES + 64 * l, 0, 3);
    const llmc_wunit_t q0 = llmc_unpack_wunit(fmt, w + u * ub, LLMC_QX_BLOCKS);
    const llmc_wunit_t q1 = llmc_unpack_wunit(fmt, w + (u + 1) * ub, LLMC_QX_BLOCKS);
    acc0 = llmc_qunit_accumulate(&q0, xq + u, acc0);
    acc1 = llmc_qunit_accumulate(&q1, xq + u + 1, acc1);
  }
  if ((u + 1) * LLMC_QX_BLOCKS <= blocks) {
    const llmc_wunit_t q = llmc_unpack_wunit(fmt, w + u * ub, LLMC_QX_BLOCKS);
    acc0 = llmc_qunit_accumulate(&q, xq + u, acc0);
    ++u;
  }
  if (u * LLMC_QX_BLOCKS < blocks) {
    const llmc_wunit_t q = llmc_unpack_wunit(fmt, w + u * ub, (int)(blocks - u * LLMC_QX_BLOCKS));
    acc1 = llmc_qunit_accumulate(&q, xq + u, acc1);
  }
  return llmc_hsum_f32x16(acc0 + acc1) * llmc_qunit_post_scale(fmt);
}

/// The prefill path: the R weight rows at w (row stride row_bytes, pointing at block 0 of the
/// chunk) against the M quantized rows of x at xq (stride xq_stride units), over `blocks` blocks;
/// the results are stored to (or, when `add`, added to) y[i * n + r].
LLMC_INLINE void llmc_qlinear_tile(const int fmt, const int R, const int M, const uint8_t *w,
                                   int64_t row_bytes, const llmc_qx_t *xq, int64_t xq_stride,
                                   int64_t blocks, float *y, int64_t n, bool add) {
  const int64_t ub = LLMC_QX_BLOCKS * llmc_block_bytes(fmt);
  f32x16 acc[LLMC_TILE_ROWS][LLMC_TILE_XS];
#pragma clang loop unroll(full)
  for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
    for (int i = 0; i < M; ++i)
      acc[r][i] = 0.0f;
  int64_t u = 0;
  for (; (u + 1) * LLMC_QX_BLOCKS <= blocks; ++u) {
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r) {
      const llmc_wunit_t q = llmc_unpack_wunit(fmt, w + r * row_bytes + u * ub, LLMC_QX_BLOCKS);
#pragma clang loop unroll(full)
      for (int i = 0; i < M; ++i)
        acc[r][i] = llmc_qunit_accumulate(&q, xq + i * xq_stride + u, acc[r][i]);
    }
  }
  if (u * LLMC_QX_BLOCKS < blocks) {
    const int count = (int)(blocks - u * LLMC_QX_BLOCKS);
#pragma clang loop unroll(full)
    for (int r = 0; r < R; ++r) {
      const llmc_wunit_t q = llmc_unpack_wunit(fmt, w + r * row_bytes + u * ub, count);
#pragma clang loop unroll(full)
      for (int i = 0; i < M; ++i)
        acc[r][i] = llmc_qunit_accumulate(&q, xq + i * xq_stride + u, acc[r][i]);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < R; ++r)
#pragma clang loop unroll(full)
    for (int i = 0; i < M; ++i) {
      const float v = llmc_hsum_f32x16(acc[r][i]) * llmc_qunit_post_scale(fmt);
      y[i * n + r] = add ? y[i * n + r] + v : v;
    }
}

/// Weight rows [r0, r1) (a multiple of LLMC_TILE_ROWS apart but for the last) against the M
/// quantized rows of x, over the chunk of blocks starting at block0.
LLMC_INLINE void llmc_qlinear_rows(const int fmt, const llmc_qlinear_args_t *a, int64_t r0,
                                   int64_t r1, int64_t i0, int M, const llmc_qx_t *xq,
                                   int64_t block0, int64_t blocks) {
  const int64_t row_bytes = llmc_row_bytes(fmt, a->k), bb = llmc_block_bytes(fmt);
  const uint8_t *w = a->w + block0 * bb;
  float *y = a->y + i0 * a->n;
  const bool add = block0 > 0;
  const int64_t stride = LLMC_QX_PREFILL_UNITS;
  int64_t r = r0;
  for (; r + LLMC_TILE_ROWS <= r1; r += LLMC_TILE_ROWS) {
    if (M == LLMC_TILE_XS)
      llmc_qlinear_tile(fmt, LLMC_TILE_ROWS, LLMC_TILE_XS, w + r * row_bytes, row_bytes, xq, stride,
                        blocks, y + r, a->n, add);
    else
      for (int i = 0; i < M; ++i)
        llmc_qlinear_tile(fmt, LLMC_TILE_ROWS, 1, w + r * row_bytes, row_bytes, xq + i * stride,
                          stride, blocks, y + i * a->n + r, a->n, add);
  }
  for (; r < r1; ++r) {
    if (M == LLMC_TILE_XS)
      llmc_qlinear_tile(fmt, 1, LLMC_TILE_XS, w + r * row_bytes, row_bytes, xq, stride, blocks,
                        y + r, a->n, add);
    else
      for (int i = 0; i < M; ++i)
        llmc_qlinear_tile(fmt, 1, 1, w + r * row_bytes, row_bytes, xq + i * stride, stride, blocks,
                          y + i * a->n + r, a->n, add);
  }
}

/// The body of a parallel loop over tiles of LLMC_TILE_ROWS weight rows.
LLMC_INLINE void llmc_qlinear_range(const int fmt, void *context, int64_t begin, int64_t end) {
  const llmc_qlinear_args_t *a = (const llmc_qlinear_args_t *)context;
  const int64_t r_begin = begin * LLMC_TILE_ROWS;
  const int64_t r_end = end * LLMC_TILE_ROWS < a->n ? end * LLMC_TILE_ROWS : a->n;
  const int64_t row_bytes = llmc_row_bytes(fmt, a->k), bb = llmc_block_bytes(fmt);
  if (a->m == 1) {
    const uint8_t *w = a->w + a->block0 * bb;
    const bool add = a->block0 > 0;
    for (int64_t r = r_begin; r < r_end; ++r) {
      const float v = llmc_qlinear_row(fmt, w + r * row_bytes, a->xq, a->blocks);
      a->y[r] = add ? a->y[r] + v : v;
    }
    return;
  }
  // Blocks of weight rows (~256 KB) that stay in L2 while every row of x passes over them, four
  // rows of x at a time, quantized chunk by chunk of k.
  int64_t rows_per_block = (256 * 1024 / row_bytes) / LLMC_TILE_ROWS * LLMC_TILE_ROWS;
  if (rows_per_block < LLMC_TILE_ROWS)
    rows_per_block = LLMC_TILE_ROWS;
  const int64_t nb = a->k / 32, chunk = LLMC_QX_PREFILL_BLOCKS;
  llmc_qx_t xq[LLMC_TILE_XS * LLMC_QX_PREFILL_UNITS];
  for (int64_t rb = r_begin; rb < r_end; rb += rows_per_block) {
    const int64_t re = rb + rows_per_block < r_end ? rb + rows_per_block : r_end;
    for (int64_t i0 = 0; i0 < a->m; i0 += LLMC_TILE_XS) {
      const int M = a->m - i0 < LLMC_TILE_XS ? (int)(a->m - i0) : LLMC_TILE_XS;
      for (int64_t b0 = 0; b0 < nb; b0 += chunk) {
        const int64_t blocks = nb - b0 < chunk ? nb - b0 : chunk;
        for (int i = 0; i < M; ++i)
          llmc_quantize_units(fmt, a->x + (i0 + i) * a->k + b0 * 32, blocks,
                              xq + i * LLMC_QX_PREFILL_UNITS);
        llmc_qlinear_rows(fmt, a, rb, re, i0, M, xq, b0, blocks);
      }
    }
  }
}

/// Decode quantizes x here, chunk by chunk of k, and shares it with the tasks; prefill tasks
/// quantize the rows of x they need themselves.
static void llmc_qlinear_run(int fmt, llmc_parallel_body_t body, const float *x, const void *w,
                             float *y, int64_t m, int64_t n, int64_t k,
                             const llmc_services_t *services) {
  llmc_qlinear_args_t args = {x, (const uint8_t *)w, y, m, n, k, NULL, 0, k / 32};
  const int64_t tiles = (n + LLMC_TILE_ROWS - 1) / LLMC_TILE_ROWS;
  const int64_t tile_bytes = llmc_row_bytes(fmt, k) * LLMC_TILE_ROWS;
  const int64_t grain = tile_bytes > 0 ? (64 * 1024 + tile_bytes - 1) / tile_bytes : tiles;
  if (m != 1) {
    llmc_parallel(services, tiles, grain, body, &args);
    return;
  }
  llmc_qx_t xq[LLMC_QX_DECODE_UNITS];
  const int64_t nb = k / 32, chunk = LLMC_QX_DECODE_BLOCKS;
  for (int64_t b0 = 0; b0 < nb; b0 += chunk) {
    args.block0 = b0;
    args.blocks = nb - b0 < chunk ? nb - b0 : chunk;
    llmc_quantize_units(fmt, x + b0 * 32, args.blocks, xq);
    args.xq = xq;
    llmc_parallel(services, tiles, grain, body, &args);
  }
}

/// A variant's entry points carry its suffix (llmc_mk_linear_q4_0__avx512vnni); KernelLibrary.cpp
/// binds the generic name to them when the target has the variant's features.
#if defined(LLMC_KERNEL_VARIANT_AVX512VNNI)
#define LLMC_VARIANT_NAME(NAME) NAME##__avx512vnni
#elif defined(LLMC_KERNEL_VARIANT_DOTPROD)
#define LLMC_VARIANT_NAME(NAME) NAME##__dotprod
#else
#define LLMC_VARIANT_NAME(NAME) NAME
#endif

#define LLMC_DEFINE_QLINEAR(NAME, FMT)                                                             \
  static void llmc_linear_body_##NAME(void *context, int64_t begin, int64_t end) {                 \
    llmc_qlinear_range(FMT, context, begin, end);                                                  \
  }                                                                                                \
  void LLMC_VARIANT_NAME(llmc_mk_linear_##NAME)(const float *x, const void *w, float *y,           \
                                                int64_t m, int64_t n, int64_t k,                   \
                                                const llmc_services_t *services) {                 \
    llmc_qlinear_run(FMT, llmc_linear_body_##NAME, x, w, y, m, n, k, services);                    \
  }

#define LLMC_DEFINE_LINEAR(NAME, FMT)                                                              \
  static void llmc_linear_body_##NAME(void *context, int64_t begin, int64_t end) {                 \
    llmc_linear_range(FMT, context, begin, end);                                                   \
  }                                                                                                \
  void llmc_mk_linear_##NAME(const float *x, const void *w, float *y, int64_t m, int64_t n,        \
                             int64_t k, const llmc_services_t *services) {                         \
    llmc_linear_run(FMT, llmc_linear_body_##NAME, x, w, y, m, n, k, services);                     \
  }

LLMC_DEFINE_QLINEAR(q8_0, LLMC_Q8_0)
LLMC_DEFINE_QLINEAR(q4_0, LLMC_Q4_0)
// A variant only has the kernels it speeds up; the generic build has all of them.
#ifndef LLMC_LINEAR_VARIANT
LLMC_DEFINE_LINEAR(f32, LLMC_F32)
LLMC_DEFINE_LINEAR(f16, LLMC_F16)
LLMC_DEFINE_LINEAR(bf16, LLMC_BF16)
LLMC_DEFINE_LINEAR(q4_k, LLMC_Q4_K)
LLMC_DEFINE_LINEAR(q6_k, LLMC_Q6_K)
#endif
