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
