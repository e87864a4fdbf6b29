/*===- attention.c - Causal grouped-query attention over a KV cache ---------===
 *
 * A task is one query token and one kv head; it serves the query heads of that kv head in
 * batches of up to four, so that each key and value row is loaded once per batch. Keys are
 * taken in chunks of up to 256: the chunk's scores go to the stack, the running maximum grows to
 * the chunk's (rescaling the partial sum and the output row by exp(old - new)), the scores
 * become exp(score - max) and the value rows are accumulated into the output row, which is
 * divided by the sum at the end. With at most 256 keys this is exactly the two-pass
 * max-subtracted softmax.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

/// Keys per chunk (a multiple of 16) and query heads per batch.
#define LLMC_ATTN_CHUNK 256
#define LLMC_ATTN_HEADS 4

typedef struct {
  const float *q, *k, *v;
  float *out;
  int64_t heads, kv_heads, d, start;
  float scale;
} llmc_attention_args_t;

/// Query heads h0 .. h0 + H - 1 (H <= LLMC_ATTN_HEADS a constant after inlining) of token i,
/// all on kv head g.
LLMC_INLINE void llmc_attention_heads(const int H, const llmc_attention_args_t *a, int64_t i,
                                      int64_t g, int64_t h0) {
  const int64_t d = a->d, kv_stride = a->kv_heads * d;
  const int64_t n_keys = a->start + i + 1;
  const int64_t d16 = d / 16 * 16;
  const float *q[LLMC_ATTN_HEADS];
  float *o[LLMC_ATTN_HEADS];
  float running_max[LLMC_ATTN_HEADS], running_sum[LLMC_ATTN_HEADS];
  float scores[LLMC_ATTN_HEADS][LLMC_ATTN_CHUNK];
#pragma clang loop unroll(full)
  for (int u = 0; u < H; ++u) {
    q[u] = a->q + (i * a->heads + h0 + u) * d;
    o[u] = a->out + (i * a->heads + h0 + u) * d;
    running_max[u] = -__builtin_inff();
    running_sum[u] = 0.0f;
    for (int64_t e = 0; e < d; ++e)
      o[u][e] = 0.0f;
  }

  for (int64_t j0 = 0; j0 < n_keys; j0 += LLMC_ATTN_CHUNK) {
    const int64_t nc = n_keys - j0 < LLMC_ATTN_CHUNK ? n_keys - j0 : LLMC_ATTN_CHUNK;
    const int64_t nc16 = (nc + 15) / 16 * 16;
    // Scores.
    for (int64_t j = 0; j < nc; ++j) {
      const float *kr = a->k + (j0 + j) * kv_stride + g * d;
      f32x16 acc[LLMC_ATTN_HEADS];
      float tail[LLMC_ATTN_HEADS];
#pragma clang loop unroll(full)
      for (int u = 0; u < H; ++u) {
        acc[u] = 0.0f;
        tail[u] = 0.0f;
      }
      for (int64_t e = 0; e < d16; e += 16) {
        const f32x16 kv = llmc_load_f32x16(kr + e);
#pragma clang loop unroll(full)
        for (int u = 0; u < H; ++u)
          acc[u] = llmc_load_f32x16(q[u] + e) * kv + acc[u];
      }
      for (int64_t e = d16; e < d; ++e)
#pragma clang loop unroll(full)
        for (int u = 0; u < H; ++u)
          tail[u] = q[u][e] * kr[e] + tail[u];
#pragma clang loop unroll(full)
      for (int u = 0; u < H; ++u)
        scores[u][j] = a->scale * (llmc_hsum_f32x16(acc[u]) + tail[u]);
    }
    // Softmax numerators against the running maximum.
#pragma clang loop unroll(full)
    for (int u = 0; u < H; ++u) {
      for (int64_t j = nc; j < nc16; ++j)
        scores[u][j] = -__builtin_inff();
      f32x16 mx = llmc_load_f32x16(scores[u]);
      for (int64_t j = 16; j < nc16; j += 16) {
        const f32x16 s = llmc_load_f32x16(scores[u] + j);
        mx = s > mx ? s : mx;
      }
      const float chunk_max = llmc_hmax_f32x16(mx);
      const float new_max = chunk_max > running_max[u] ? chunk_max : running_max[u];
      if (new_max > running_max[u] && running_sum[u] != 0.0f) {
        const f32x16 alpha = llmc_exp_f32x16((f32x16)(running_max[u] - new_max));
        running_sum[u] *= alpha[0];
        for (int64_t e = 0; e < d; ++e)
          o[u][e] *= alpha[0];
      }
      running_max[u] = new_max;
      f32x16 sum = 0.0f;
      for (int64_t j = 0; j < nc16; j += 16) {
        const f32x16 p = llmc_exp_f32x16(llmc_load_f32x16(scores[u] + j) - new_max);
        llmc_store_f32x16(scores[u] + j, p);
        sum += p;
      }
      running_sum[u] += llmc_hsum_f32x16(sum);
    }
    // Weighted values.
    for (int64_t j = 0; j < nc; ++j) {
      const float *vr = a->v + (j0 + j) * kv_stride + g * d;
      for (int64_t e = 0; e < d16; e += 16) {
        const f32x16 vv = llmc_load_f32x16(vr + e);
#pragma clang loop unroll(full)
        for (int u = 0; u < H; ++u)
          llmc_store_f32x16(o[u] + e, scores[u][j] * vv + llmc_load_f32x16(o[u] + e));
      }
      for (int64_t e = d16; e < d; ++e)
#pragma clang loop unroll(full)
        for (int u = 0; u < H; ++u)
          o[u][e] = scores[u][j] * vr[e] + o[u][e];
    }
  }
#pragma clang loop unroll(full)
  for (int u = 0; u < H; ++u) {
    const float sum = running_sum[u];
    for (int64_t e = 0; e < d; ++e)
      o[u][e] /= sum;
  }
}

static void llmc_attention_body(void *context, int64_t begin, int64_t end) {
  const llmc_attention_args_t *a = (const llmc_attention_args_t *)context;
  const int64_t group = a->heads / a->kv_heads;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t i = item / a->kv_heads, g = item % a->kv_heads;
    int64_t u = 0;
    for (; u + LLMC_ATTN_HEADS <= group; u += LLMC_ATTN_HEADS)
      llmc_attention_heads(LLMC_ATTN_HEADS, a, i, g, g * group + u);
    if (u + 2 <= group) {
      llmc_attention_heads(2, a, i, g, g * group + u);
      u += 2;
    }
    if (u < group)
      llmc_attention_heads(1, a, i, g, g * group + u);
  }
}

void llmc_mk_attention(const float *q, const float *k_cache, const float *v_cache, float *out,
                       int64_t t, int64_t heads, int64_t kv_heads, int64_t d, int64_t start,
                       int64_t ctx, float scale, const llmc_services_t *services) {
  (void)ctx; // Only rows < start + t <= ctx are read.
  llmc_attention_args_t args = {q, k_cache, v_cache, out, heads, kv_heads, d, start, scale};
  llmc_parallel(services, t * kv_heads, 1, llmc_attention_body, &args);
}

/*===----------------------------------------------------------------------===
 * Attention over whole sequences (llm.attention)
 *
 * A task is up to LLMC_SDPA_ROWS query rows of one batch and head, so that each packed key
 * chunk serves many rows. Keys come in chunks of
 * LLMC_SDPA_KEYS: the chunk is packed transposed (head dims x keys, in slices of at most
 * LLMC_SDPA_DIMS head dims, so any head size fits the stack) and the chunk's scores are formed
 * four query rows at a time in registers, vectorized over the keys. Scale and mask are applied,
 * the online softmax rescales the output rows when a row's maximum grows, and the chunk's
 * probabilities times the value rows are added into the output rows, which live in the result
 * itself and are divided by the sums at the end. The T x T scores never exist.
 *
 * A boolean mask lets whole chunks be skipped when it removes every score of the task's rows
 * in them (the upper triangle of a causal mask). Skipping is exact: a removed score is `fill`,
 * and exp(fill - max) is exactly 0 in f32 once the row's maximum exceeds fill by 88. A row for
 * which that does not hold (every key masked, or scores near the fill value) is recomputed
 * without skipping.
 *===----------------------------------------------------------------------===*/

#define LLMC_SDPA_ROWS 64
#define LLMC_SDPA_KEYS 64
#define LLMC_SDPA_DIMS 256

typedef struct {
  const float *q, *k, *v;
  const uint8_t *mask_keep; // i1 mask: nonzero keeps the score
  const float *mask_add;    // f32 mask: added to the scaled score
  float *out;
  int64_t batch, tq, tk, heads, d, dv;
  int64_t q_batch, q_heads, k_batch, k_heads, v_batch, v_heads;
  int64_t mask_b, mask_h, mask_q, mask_k; // mask strides in elements (0: broadcast)
  float scale, fill;
  int64_t row_blocks;
} llmc_sdpa_args_t;

LLMC_INLINE int64_t llmc_sdpa_pick(int64_t size, int64_t index) { return size == 1 ? 0 : index; }

/// Rows i0 .. i0 + nr - 1 of batch b, head h. With `skip`, chunks the boolean mask removes for
/// all of these rows are skipped; returns a bit per row that needs recomputing without.
static uint64_t llmc_sdpa_rows(const llmc_sdpa_args_t *a, int64_t b, int64_t h, int64_t i0,
                               int64_t nr, bool skip) {
  const int64_t d = a->d, dv = a->dv;
  const int64_t q_stride = a->q_heads * d, k_stride = a->k_heads * d, v_stride = a->v_heads * dv;
  const float *q =
      a->q +
      (llmc_sdpa_pick(a->q_batch, b) * a->tq * a->q_heads + llmc_sdpa_pick(a->q_heads, h)) * d +
      i0 * q_stride;
  const float *k =
      a->k +
      (llmc_sdpa_pick(a->k_batch, b) * a->tk * a->k_heads + llmc_sdpa_pick(a->k_heads, h)) * d;
  const float *v =
      a->v +
      (llmc_sdpa_pick(a->v_batch, b) * a->tk * a->v_heads + llmc_sdpa_pick(a->v_heads, h)) * dv;
  float *out = a->out + ((b * a->tq + i0) * a->heads + h) * dv;
  const int64_t o_stride = a->heads * dv;
  const int64_t mask_base = b * a->mask_b + h * a->mask_h + i0 * a->mask_q;

  float running_max[LLMC_SDPA_ROWS], running_sum[LLMC_SDPA_ROWS];
  float scores[LLMC_SDPA_ROWS][LLMC_SDPA_KEYS];
  float packed[LLMC_SDPA_DIMS * LLMC_SDPA_KEYS];
  for (int64_t i = 0; i < nr; ++i) {
    running_max[i] = -__builtin_inff();
    running_sum[i] = 0.0f;
    for (int64_t e = 0; e < dv; ++e)
      out[i * o_stride + e] = 0.0f;
  }

  for (int64_t j0 = 0; j0 < a->tk; j0 += LLMC_SDPA_KEYS) {
    const int64_t nc = a->tk - j0 < LLMC_SDPA_KEYS ? a->tk - j0 : LLMC_SDPA_KEYS;
    if (skip && a->mask_keep) {
      bool any = false;
      for (int64_t i = 0; i < nr && !any; ++i)
        for (int64_t j = 0; j < nc && !any; ++j)
          any = a->mask_keep[mask_base + i * a->mask_q + (j0 + j) * a->mask_k] != 0;
      if (!any)
        continue;
    }
    // Scores of the chunk: Q . K^T over slices of the head dims.
    for (int64_t i = 0; i < nr; ++i)
      for (int64_t j = 0; j < LLMC_SDPA_KEYS; ++j)
        scores[i][j] = 0.0f;
    for (int64_t e0 = 0; e0 < d; e0 += LLMC_SDPA_DIMS) {
      const int64_t de = d - e0 < LLMC_SDPA_DIMS ? d - e0 : LLMC_SDPA_DIMS;
      for (int64_t j = 0; j < nc; ++j) {
        const float *kr = k + (j0 + j) * k_stride + e0;
        for (int64_t e = 0; e < de; ++e)
          packed[e * LLMC_SDPA_KEYS + j] = kr[e];
      }
      for (int64_t j = nc; j < LLMC_SDPA_KEYS; ++j)
        for (int64_t e = 0; e < de; ++e)
          packed[e * LLMC_SDPA_KEYS + j] = 0.0f;
      for (int64_t i = 0; i < nr; i += 4) {
        const int64_t rows = nr - i < 4 ? nr - i : 4;
        f32x16 acc[4][LLMC_SDPA_KEYS / 16];
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; ++r)
#pragma clang loop unroll(full)
          for (int c = 0; c < LLMC_SDPA_KEYS / 16; ++c)
            acc[r][c] = 0.0f;
        const float *qr[4];
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; ++r)
          qr[r] = q + (i + (r < rows ? r : 0)) * q_stride + e0;
        for (int64_t e = 0; e < de; ++e) {
          f32x16 kv[LLMC_SDPA_KEYS / 16];
#pragma clang loop unroll(full)
          for (int c = 0; c < LLMC_SDPA_KEYS / 16; ++c)
            kv[c] = llmc_load_f32x16(packed + e * LLMC_SDPA_KEYS + 16 * c);
#pragma clang loop unroll(full)
          for (int r = 0; r < 4; ++r) {
            const f32x16 qs = qr[r][e];
#pragma clang loop unroll(full)
            for (int c = 0; c < LLMC_SDPA_KEYS / 16; ++c)
              acc[r][c] = qs * kv[c] + acc[r][c];
          }
        }
        for (int64_t r = 0; r < rows; ++r)
#pragma clang loop unroll(full)
          for (int c = 0; c < LLMC_SDPA_KEYS / 16; ++c)
            llmc_store_f32x16(scores[i + r] + 16 * c,
                              llmc_load_f32x16(scores[i + r] + 16 * c) + acc[r][c]);
      }
    }
    // Scale and mask, then the online softmax.
    for (int64_t i = 0; i < nr; ++i) {
      float *s = scores[i];
      const int64_t mrow = mask_base + i * a->mask_q + j0 * a->mask_k;
      int64_t j = 0;
      if (a->mask_k == 1 || (!a->mask_keep && !a->mask_add)) {
        // Keys contiguous in the mask (or no mask): 16 at a time.
        for (; j + 16 <= nc; j += 16) {
          f32x16 x = llmc_load_f32x16(s + j) * a->scale;
          if (a->mask_keep) {
            u8x16 bytes;
            __builtin_memcpy(&bytes, a->mask_keep + mrow + j, sizeof(bytes));
            const i32x16 keep = __builtin_convertvector((i8x16)(bytes != 0), i32x16);
            x = keep != 0 ? x : a->fill;
          }
          if (a->mask_add)
            x += llmc_load_f32x16(a->mask_add + mrow + j);
          llmc_store_f32x16(s + j, x);
        }
      }
      for (; j < nc; ++j) {
        float x = s[j] * a->scale;
        if (a->mask_keep && !a->mask_keep[mrow + j * a->mask_k])
          x = a->fill;
        if (a->mask_add)
          x += a->mask_add[mrow + j * a->mask_k];
        s[j] = x;
      }
      for (int64_t j = nc; j < LLMC_SDPA_KEYS; ++j)
        s[j] = -__builtin_inff();
      f32x16 mx = llmc_load_f32x16(s);
#pragma clang loop unroll(full)
      for (int c = 1; c < LLMC_SDPA_KEYS / 16; ++c) {
        const f32x16 x = llmc_load_f32x16(s + 16 * c);
        mx = x > mx ? x : mx;
      }
      const float chunk_max = llmc_hmax_f32x16(mx);
      const float old_max = running_max[i];
      const float new_max = chunk_max > old_max ? chunk_max : old_max;
      if (new_max == -__builtin_inff()) {
        // Nothing but -inf so far: no weight yet.
        for (int64_t j = 0; j < LLMC_SDPA_KEYS; ++j)
          s[j] = 0.0f;
        continue;
      }
      if (new_max > old_max && running_sum[i] != 0.0f) {
        const float alpha = llmc_exp_f32x16((f32x16)(old_max - new_max))[0];
        running_sum[i] *= alpha;
        for (int64_t e = 0; e < dv; ++e)
          out[i * o_stride + e] *= alpha;
      }
      running_max[i] = new_max;
      f32x16 sum = 0.0f;
#pragma clang loop unroll(full)
      for (int c = 0; c < LLMC_SDPA_KEYS / 16; ++c) {
        const f32x16 p = llmc_exp_f32x16(llmc_load_f32x16(s + 16 * c) - new_max);
        llmc_store_f32x16(s + 16 * c, p);
        sum += p;
      }
      running_sum[i] += llmc_hsum_f32x16(sum);
    }
    // Output rows += P . V, four rows and 64 value dims at a time in registers.
    for (int64_t i = 0; i < nr; i += 4) {
      const int64_t rows = nr - i < 4 ? nr - i : 4;
      int64_t e0 = 0;
      for (; e0 + 64 <= dv; e0 += 64) {
        f32x16 acc[4][4];
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; ++r)
#pragma clang loop unroll(full)
          for (int c = 0; c < 4; ++c)
            acc[r][c] = 0.0f;
        for (int64_t j = 0; j < nc; ++j) {
          const float *vr = v + (j0 + j) * v_stride + e0;
          f32x16 vv[4];
#pragma clang loop unroll(full)
          for (int c = 0; c < 4; ++c)
            vv[c] = llmc_load_f32x16(vr + 16 * c);
#pragma clang loop unroll(full)
          for (int r = 0; r < 4; ++r) {
            const f32x16 p = scores[i + (r < rows ? r : 0)][j];
#pragma clang loop unroll(full)
            for (int c = 0; c < 4; ++c)
              acc[r][c] = p * vv[c] + acc[r][c];
          }
        }
        for (int64_t r = 0; r < rows; ++r) {
          float *o = out + (i + r) * o_stride + e0;
#pragma clang loop unroll(full)
          for (int c = 0; c < 4; ++c)
            llmc_store_f32x16(o + 16 * c, llmc_load_f32x16(o + 16 * c) + acc[r][c]);
        }
      }
      for (int64_t r = 0; r < rows; ++r) {
        float *o = out + (i + r) * o_stride;
        for (int64_t j = 0; j < nc; ++j) {
          const float p = scores[i + r][j];
          const float *vr = v + (j0 + j) * v_stride;
          for (int64_t e = e0; e < dv; ++e)
            o[e] = p * vr[e] + o[e];
        }
      }
    }
  }

  uint64_t redo = 0;
  for (int64_t i = 0; i < nr; ++i) {
    if (skip && a->mask_keep && !(running_max[i] >= a->fill + 88.0f)) {
      redo |= (uint64_t)1 << i;
      continue;
    }
    const float inverse = 1.0f / running_sum[i];
    for (int64_t e = 0; e < dv; ++e)
      out[i * o_stride + e] *= inverse;
  }
  return redo;
}

static void llmc_sdpa_body(void *context, int64_t begin, int64_t end) {
  const llmc_sdpa_args_t *a = (const llmc_sdpa_args_t *)context;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t block = item % a->row_blocks, bh = item / a->row_blocks;
    const int64_t h = bh % a->heads, b = bh / a->heads;
    const int64_t i0 = block * LLMC_SDPA_ROWS;
    const int64_t nr = a->tq - i0 < LLMC_SDPA_ROWS ? a->tq - i0 : LLMC_SDPA_ROWS;
    uint64_t redo = llmc_sdpa_rows(a, b, h, i0, nr, true);
    for (int64_t i = 0; redo != 0; ++i, redo >>= 1)
      if (redo & 1)
        llmc_sdpa_rows(a, b, h, i0 + i, 1, false);
  }
}

void llmc_mk_attention_f32(const float *q, const float *k, const float *v, const void *mask,
                           float *out, int64_t batch, int64_t tq, int64_t tk, int64_t heads,
                           int64_t d, int64_t dv, int64_t q_batch, int64_t q_heads, int64_t k_batch,
                           int64_t k_heads, int64_t v_batch, int64_t v_heads, int64_t mask_kind,
                           int64_t mask_b, int64_t mask_h, int64_t mask_q, int64_t mask_k,
                           float scale, float fill, const llmc_services_t *services) {
  if (batch <= 0 || tq <= 0 || heads <= 0 || dv <= 0)
    return;
  if (tk <= 0) { // A softmax over no keys weighs nothing: the products are zero.
    for (int64_t i = 0; i < batch * tq * heads * dv; ++i)
      out[i] = 0.0f;
    return;
  }
  llmc_sdpa_args_t args = {q,
                           k,
                           v,
                           mask_kind == 1 ? (const uint8_t *)mask : 0,
                           mask_kind == 2 ? (const float *)mask : 0,
                           out,
                           batch,
                           tq,
                           tk,
                           heads,
                           d,
                           dv,
                           q_batch,
                           q_heads,
                           k_batch,
                           k_heads,
                           v_batch,
                           v_heads,
                           mask_b,
                           mask_h,
                           mask_q,
                           mask_k,
                           scale,
                           fill,
                           (tq + LLMC_SDPA_ROWS - 1) / LLMC_SDPA_ROWS};
  llmc_parallel(services, batch * heads * args.row_blocks, 1, llmc_sdpa_body, &args);
}
