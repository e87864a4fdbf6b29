/*===- im2col.c - A convolution's input unfolded into GEMM columns ----------===
 *
 * llmc_mk_im2col_f32 writes, for one image, the matrix whose row (c, i, j) holds input channel c
 * at kernel offset (i, j) for every output position: the right operand of the GEMM that computes
 * a convolution (weights [F, C * KH * KW] times these columns). Positions in the padding are
 * zero; nothing outside the image is read. Threads split the rows.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

typedef struct {
  const float *x;
  float *cols;
  int64_t h, w, kh, kw, oh, ow, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
} llmc_im2col_args_t;

static void llmc_im2col_body(void *context, int64_t begin, int64_t end) {
  const llmc_im2col_args_t *a = (const llmc_im2col_args_t *)context;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t c = row / (a->kh * a->kw), i = row / a->kw % a->kh, j = row % a->kw;
    const float *plane = a->x + c * a->h * a->w;
    float *out = a->cols + row * a->oh * a->ow;
    // Output columns x whose input column x * stride + j * dilation - pad_left is inside.
    const int64_t offset = j * a->dilation_w - a->pad_left;
    int64_t x0 = 0, x1 = a->ow;
    while (x0 < x1 && x0 * a->stride_w + offset < 0)
      ++x0;
    while (x1 > x0 && (x1 - 1) * a->stride_w + offset >= a->w)
      --x1;
    for (int64_t y = 0; y < a->oh; ++y, out += a->ow) {
      const int64_t sy = y * a->stride_h + i * a->dilation_h - a->pad_top;
      if (sy < 0 || sy >= a->h) {
        for (int64_t x = 0; x < a->ow; ++x)
          out[x] = 0.0f;
        continue;
      }
      const float *src = plane + sy * a->w + offset;
      for (int64_t x = 0; x < x0; ++x)
        out[x] = 0.0f;
      if (a->stride_w == 1)
        for (int64_t x = x0; x < x1; ++x)
          out[x] = src[x];
      else
        for (int64_t x = x0; x < x1; ++x)
          out[x] = src[x * a->stride_w];
      for (int64_t x = x1; x < a->ow; ++x)
        out[x] = 0.0f;
    }
  }
}

void llmc_mk_im2col_f32(const float *x, float *cols, int64_t channels, int64_t h, int64_t w,
                        int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t stride_h,
                        int64_t stride_w, int64_t dilation_h, int64_t dilation_w, int64_t pad_top,
                        int64_t pad_left, const llmc_services_t *services) {
  llmc_im2col_args_t args = {x,  cols,     h,        w,          kh,         kw,      oh,
                             ow, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left};
  const int64_t per_row = oh * ow > 0 ? oh * ow : 1;
  llmc_parallel(services, channels * kh * kw, (16 * 1024 + per_row - 1) / per_row, llmc_im2col_body,
                &args);
}

/* llmc_mk_im2row_u8: the transposed unfolding for 8-bit images in channels-last layout, the left
 * operand of the integer GEMM (which takes its constant weights on the right): row p = (y, x) of
 * rows ([oh * ow, kh * kw * channels]) holds, at column (i * kw + j) * channels + c, the input
 * byte at (y * stride_h + i * dilation_h - pad_top, x * stride_w + j * dilation_w - pad_left)
 * of channel c, or pad_value (the input's zero point, so that padding contributes nothing) in
 * the padding. With the channels innermost, a window row is one copy of kw * channels bytes
 * (unit dilation) or kw copies of a pixel's channels. Threads split the output rows y. */
typedef struct {
  const uint8_t *x;
  uint8_t *rows;
  int64_t channels, h, w, kh, kw, oh, ow, stride_h, stride_w, dilation_h, dilation_w, pad_top,
      pad_left;
  uint8_t pad_value;
} llmc_im2row_args_t;

static void llmc_im2row_body(void *context, int64_t begin, int64_t end) {
  const llmc_im2row_args_t *a = (const llmc_im2row_args_t *)context;
  const int64_t c = a->channels, span = a->kw * c, depth = a->kh * span;
  for (int64_t y = begin; y < end; ++y)
    for (int64_t x = 0; x < a->ow; ++x) {
      uint8_t *out = a->rows + (y * a->ow + x) * depth;
      const int64_t sx0 = x * a->stride_w - a->pad_left;
      const bool inside = sx0 >= 0 && sx0 + (a->kw - 1) * a->dilation_w < a->w;
      for (int64_t i = 0; i < a->kh; ++i, out += span) {
        const int64_t sy = y * a->stride_h + i * a->dilation_h - a->pad_top;
        if (sy < 0 || sy >= a->h) {
          __builtin_memset(out, a->pad_value, (size_t)span);
          continue;
        }
        const uint8_t *row = a->x + sy * a->w * c;
        if (inside && a->dilation_w == 1) {
          __builtin_memcpy(out, row + sx0 * c, (size_t)span);
          continue;
        }
        for (int64_t j = 0; j < a->kw; ++j) {
          const int64_t sx = sx0 + j * a->dilation_w;
          if (sx >= 0 && sx < a->w)
            __builtin_memcpy(out + j * c, row + sx * c, (size_t)c);
          else
            __builtin_memset(out + j * c, a->pad_value, (size_t)c);
        }
      }
    }
}

void llmc_mk_im2row_u8(const uint8_t *x, uint8_t *rows, int64_t channels, int64_t h, int64_t w,
                       int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t stride_h,
                       int64_t stride_w, int64_t dilation_h, int64_t dilation_w, int64_t pad_top,
                       int64_t pad_left, int64_t pad_value, const llmc_services_t *services) {
  llmc_im2row_args_t args = {
      x,  rows,     channels, h,          w,          kh,      kw,       oh,
      ow, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, (uint8_t)pad_value};
  const int64_t per_row = ow * channels * kh * kw > 0 ? ow * channels * kh * kw : 1;
  llmc_parallel(services, oh, (64 * 1024 + per_row - 1) / per_row, llmc_im2row_body, &args);
}
