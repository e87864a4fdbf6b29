/*===- rope.c - Rotary position embedding (llama.cpp's ggml_rope_ext) -------===
 *
 * Per token, the angles of up to 64 pairs at a time are computed once (the float recurrence
 * theta_c = theta_{c-1} * theta_scale of llama.cpp, then cos and sin in double, rounded to
 * float) and applied to every head. Threads split the tokens.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

/// Pairs whose angles are computed per pass.
#define LLMC_ROPE_CHUNK 64

typedef struct {
  const float *x;
  float *y;
  int64_t heads, head_dim, n_rot, mode, start;
  float theta_scale;
} llmc_rope_args_t;

static void llmc_rope_body(void *context, int64_t begin, int64_t end) {
  const llmc_rope_args_t *a = (const llmc_rope_args_t *)context;
  const int64_t half = a->n_rot / 2, row = a->heads * a->head_dim;
  const bool neox = a->mode == 2;
  for (int64_t i = begin; i < end; ++i) {
    const float *xt = a->x + i * row;
    float *yt = a->y + i * row;
    float theta = (float)(a->start + i);
    for (int64_t c0 = 0; c0 < half; c0 += LLMC_ROPE_CHUNK) {
      const int64_t nc = half - c0 < LLMC_ROPE_CHUNK ? half - c0 : LLMC_ROPE_CHUNK;
      float cs[LLMC_ROPE_CHUNK], sn[LLMC_ROPE_CHUNK], angle[LLMC_ROPE_CHUNK];
      for (int64_t c = 0; c < nc; ++c) {
        angle[c] = theta;
        theta *= a->theta_scale;
      }
      for (int64_t c = 0; c < nc; ++c) {
        double s, co;
        llmc_sincos_f64((double)angle[c], &s, &co);
        cs[c] = (float)co;
        sn[c] = (float)s;
      }
      for (int64_t h = 0; h < a->heads; ++h) {
        const float *xh = xt + h * a->head_dim;
        float *yh = yt + h * a->head_dim;
        if (neox) {
          for (int64_t c = 0; c < nc; ++c) {
            const float x0 = xh[c0 + c], x1 = xh[c0 + c + half];
            yh[c0 + c] = x0 * cs[c] - x1 * sn[c];
            yh[c0 + c + half] = x0 * sn[c] + x1 * cs[c];
          }
        } else {
          for (int64_t c = 0; c < nc; ++c) {
            const float x0 = xh[2 * (c0 + c)], x1 = xh[2 * (c0 + c) + 1];
            yh[2 * (c0 + c)] = x0 * cs[c] - x1 * sn[c];
            yh[2 * (c0 + c) + 1] = x0 * sn[c] + x1 * cs[c];
          }
        }
      }
    }
    if (yt != xt)
      for (int64_t h = 0; h < a->heads; ++h)
        for (int64_t e = a->n_rot; e < a->head_dim; ++e)
          yt[h * a->head_dim + e] = xt[h * a->head_dim + e];
  }
}

void llmc_mk_rope(const float *x, float *y, int64_t t, int64_t heads, int64_t head_dim,
                  int64_t n_rot, float freq_base, int64_t mode, int64_t start,
                  const llmc_services_t *services) {
  // As llama.cpp: theta_scale = powf(freq_base, -2.0f / n_dims), the exponent divided in float.
  const float exponent = -2.0f / (float)n_rot;
  llmc_rope_args_t args = {x,     y,    heads, head_dim,
                           n_rot, mode, start, llmc_pow_f32(freq_base, exponent)};
  const int64_t per_token = heads * head_dim > 0 ? heads * head_dim : 1;
  llmc_parallel(services, t, (16 * 1024 + per_token - 1) / per_token, llmc_rope_body, &args);
}
