/*===- norm.c - LayerNorm, RMSNorm and softmax over the rows of a matrix ----===
 *
 * Each row is read two or three times in a row, so after the first pass it is in L1: LayerNorm
 * takes the mean, then the variance of the centered values (two passes, not E[x^2] - mean^2,
 * which cancels catastrophically when the mean is large against the spread), then writes;
 * RMSNorm takes the mean square, then writes; softmax takes the maximum, then writes the
 * exponentials and sums them, then divides. The passes run 16 lanes at a time and finish a row's
 * remainder one element at a time, except softmax's exponentials, whose remainder goes through
 * the same vector exp (padded with -inf) so that every element gets the same approximation.
 * Threads split the rows.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

/// Elements per task at least: below this a row range costs less than waking a thread (a
/// transformer's 64 tokens of width 256 stay on the calling thread).
#define LLMC_NORM_GRAIN_ELEMENTS (32 * 1024)

typedef struct {
  const float *x, *scale, *bias;
  float *y;
  int64_t n;
  float epsilon;
} llmc_norm_args_t;

/// The sum of x[0 .. n).
LLMC_INLINE float llmc_row_sum(const float *x, int64_t n) {
  f32x16 acc0 = 0.0f, acc1 = 0.0f;
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    acc0 += llmc_load_f32x16(x + j);
    acc1 += llmc_load_f32x16(x + j + 16);
  }
  for (; j + 16 <= n; j += 16)
    acc0 += llmc_load_f32x16(x + j);
  float tail = 0.0f;
  for (; j < n; ++j)
    tail += x[j];
  return llmc_hsum_f32x16(acc0 + acc1) + tail;
}

/// The sum of (x[j] - center)^2 over j < n.
LLMC_INLINE float llmc_row_squares(const float *x, int64_t n, float center) {
  f32x16 acc0 = 0.0f, acc1 = 0.0f;
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    const f32x16 d0 = llmc_load_f32x16(x + j) - center;
    const f32x16 d1 = llmc_load_f32x16(x + j + 16) - center;
    acc0 += d0 * d0;
    acc1 += d1 * d1;
  }
  for (; j + 16 <= n; j += 16) {
    const f32x16 d = llmc_load_f32x16(x + j) - center;
    acc0 += d * d;
  }
  float tail = 0.0f;
  for (; j < n; ++j) {
    const float d = x[j] - center;
    tail += d * d;
  }
  return llmc_hsum_f32x16(acc0 + acc1) + tail;
}

/// y = (x - center) * factor * scale [+ bias] over a row; y may be x.
LLMC_INLINE void llmc_row_affine(const float *x, float *y, int64_t n, float center, float factor,
                                 const float *scale, const float *bias) {
  int64_t j = 0;
  if (bias) {
    for (; j + 16 <= n; j += 16)
      llmc_store_f32x16(y + j,
                        (llmc_load_f32x16(x + j) - center) * factor * llmc_load_f32x16(scale + j) +
                            llmc_load_f32x16(bias + j));
    for (; j < n; ++j)
      y[j] = (x[j] - center) * factor * scale[j] + bias[j];
  } else {
    for (; j + 16 <= n; j += 16)
      llmc_store_f32x16(y + j,
                        (llmc_load_f32x16(x + j) - center) * factor * llmc_load_f32x16(scale + j));
    for (; j < n; ++j)
      y[j] = (x[j] - center) * factor * scale[j];
  }
}

static void llmc_layer_norm_body(void *context, int64_t begin, int64_t end) {
  const llmc_norm_args_t *a = (const llmc_norm_args_t *)context;
  const int64_t n = a->n;
  const float count = (float)n;
  for (int64_t r = begin; r < end; ++r) {
    const float *x = a->x + r * n;
    const float mean = llmc_row_sum(x, n) / count;
    const float variance = llmc_row_squares(x, n, mean) / count;
    const float inverse_std = 1.0f / __builtin_sqrtf(variance + a->epsilon);
    llmc_row_affine(x, a->y + r * n, n, mean, inverse_std, a->scale, a->bias);
  }
}

static void llmc_rms_norm_body(void *context, int64_t begin, int64_t end) {
  const llmc_norm_args_t *a = (const llmc_norm_args_t *)context;
  const int64_t n = a->n;
  const float count = (float)n;
  for (int64_t r = begin; r < end; ++r) {
    const float *x = a->x + r * n;
    const float mean_square = llmc_row_squares(x, n, 0.0f) / count;
    const float inverse_rms = 1.0f / __builtin_sqrtf(mean_square + a->epsilon);
    llmc_row_affine(x, a->y + r * n, n, 0.0f, inverse_rms, a->scale, NULL);
  }
}

static void llmc_softmax_body(void *context, int64_t begin, int64_t end) {
  const llmc_norm_args_t *a = (const llmc_norm_args_t *)context;
  const int64_t n = a->n, n16 = n / 16 * 16;
  for (int64_t r = begin; r < end; ++r) {
    const float *x = a->x + r * n;
    float *y = a->y + r * n;
    // The remainder, padded with -inf (whose exponential is 0), as one more vector.
    f32x16 tail = -__builtin_inff();
    for (int64_t j = n16; j < n; ++j)
      tail[j - n16] = x[j];
    f32x16 mx = tail;
    for (int64_t j = 0; j < n16; j += 16) {
      const f32x16 v = llmc_load_f32x16(x + j);
      mx = v > mx ? v : mx;
    }
    const float maximum = llmc_hmax_f32x16(mx);
    f32x16 sum = 0.0f;
    for (int64_t j = 0; j < n16; j += 16) {
      const f32x16 e = llmc_exp_f32x16(llmc_load_f32x16(x + j) - maximum);
      llmc_store_f32x16(y + j, e);
      sum += e;
    }
    const f32x16 tail_exp = llmc_exp_f32x16(tail - maximum);
    if (n16 < n)
      sum += tail_exp;
    const float total = llmc_hsum_f32x16(sum);
    for (int64_t j = 0; j < n16; j += 16)
      llmc_store_f32x16(y + j, llmc_load_f32x16(y + j) / total);
    for (int64_t j = n16; j < n; ++j)
      y[j] = tail_exp[j - n16] / total;
  }
}

/// Runs `body` over the rows, with enough of them per task to pay for a thread.
LLMC_INLINE void llmc_norm_rows(const llmc_services_t *services, int64_t rows,
                                llmc_norm_args_t *args, llmc_parallel_body_t body) {
  if (args->n <= 0)
    return;
  const int64_t grain = (LLMC_NORM_GRAIN_ELEMENTS + args->n - 1) / args->n;
  llmc_parallel(services, rows, grain, body, args);
}

void llmc_mk_layer_norm_f32(const float *x, const float *scale, const float *bias, float *y,
                            int64_t rows, int64_t n, float epsilon,
                            const llmc_services_t *services) {
  llmc_norm_args_t args = {x, scale, bias, y, n, epsilon};
  llmc_norm_rows(services, rows, &args, llmc_layer_norm_body);
}

void llmc_mk_layer_norm_nobias_f32(const float *x, const float *scale, float *y, int64_t rows,
                                   int64_t n, float epsilon, const llmc_services_t *services) {
  llmc_mk_layer_norm_f32(x, scale, NULL, y, rows, n, epsilon, services);
}

void llmc_mk_rms_norm_f32(const float *x, const float *scale, float *y, int64_t rows, int64_t n,
                          float epsilon, const llmc_services_t *services) {
  llmc_norm_args_t args = {x, scale, NULL, y, n, epsilon};
  llmc_norm_rows(services, rows, &args, llmc_rms_norm_body);
}

void llmc_mk_softmax_f32(const float *x, float *y, int64_t rows, int64_t n,
                         const llmc_services_t *services) {
  llmc_norm_args_t args = {x, NULL, NULL, y, n, 0.0f};
  llmc_norm_rows(services, rows, &args, llmc_softmax_body);
}
