/*===- embedding.c - Rows of an embedding table, dequantized ----------------===
 *
 * out[i, :] = row ids[i] of the table, ids clamped into [0, rows). Each row is dequantized 32
 * elements at a time with the same unpacking as the linear kernels. Threads split the ids.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

typedef struct {
  const int32_t *ids;
  const uint8_t *table;
  float *out;
  int64_t rows, dim;
} llmc_embedding_args_t;

/// Dequantizes rows ids[begin .. end) into out.
LLMC_INLINE void llmc_embedding_range(const int fmt, void *context, int64_t begin, int64_t end) {
  const llmc_embedding_args_t *a = (const llmc_embedding_args_t *)context;
  const int64_t qk = llmc_block_elems(fmt), bb = llmc_block_bytes(fmt);
  const int groups = (int)(qk / 32);
  const int64_t nb = a->dim / qk, row_bytes = llmc_row_bytes(fmt, a->dim);
  for (int64_t i = begin; i < end; ++i) {
    int64_t id = a->ids[i];
    id = id < 0 ? 0 : id >= a->rows ? a->rows - 1 : id;
    const uint8_t *row = a->table + id * row_bytes;
    float *o = a->out + i * a->dim;
    for (int64_t b = 0; b < nb; ++b) {
#pragma clang loop unroll(full)
      for (int g = 0; g < groups; ++g) {
        const llmc_group_t q = llmc_unpack_group(fmt, row + b * bb, g);
        float *og = o + b * qk + 32 * g;
        if (llmc_has_tail(fmt)) {
          llmc_store_f32x16(og, q.q0);
          llmc_store_f32x16(og + 16, q.q1);
        } else {
          const float post = llmc_group_post_scale(fmt);
          llmc_store_f32x16(og, (q.s0 * q.q0 - q.mn) * post);
          llmc_store_f32x16(og + 16, (q.s1 * q.q1 - q.mn) * post);
        }
      }
    }
    if (llmc_has_tail(fmt))
      for (int64_t e = nb * 32; e < a->dim; ++e)
        o[e] = llmc_float_elem(fmt, row, e);
  }
}

#define LLMC_DEFINE_EMBEDDING(NAME, FMT)                                                           \
  static void llmc_embedding_body_##NAME(void *context, int64_t begin, int64_t end) {              \
    llmc_embedding_range(FMT, context, begin, end);                                                \
  }                                                                                                \
  void llmc_mk_embedding_##NAME(const int32_t *ids, const void *table, float *out, int64_t count,  \
                                int64_t rows, int64_t dim, const llmc_services_t *services) {      \
    llmc_embedding_args_t args = {ids, (const uint8_t *)table, out, rows, dim};                    \
    const int64_t row_bytes = dim * 4;                                                             \
    llmc_parallel(services, count, (64 * 1024 + row_bytes - 1) / row_bytes,                        \
                  llmc_embedding_body_##NAME, &args);                                              \
  }

LLMC_DEFINE_EMBEDDING(f32, LLMC_F32)
LLMC_DEFINE_EMBEDDING(f16, LLMC_F16)
LLMC_DEFINE_EMBEDDING(bf16, LLMC_BF16)
LLMC_DEFINE_EMBEDDING(q8_0, LLMC_Q8_0)
LLMC_DEFINE_EMBEDDING(q4_0, LLMC_Q4_0)
LLMC_DEFINE_EMBEDDING(q4_k, LLMC_Q4_K)
LLMC_DEFINE_EMBEDDING(q6_k, LLMC_Q6_K)
