/*===- test_kernels.c - Entry points for the runtime tests -------------------===
 *
 * Freestanding C following the entry-point ABI of llmc/abi.h, compiled and linked the way the
 * backend builds code objects (clang -ffreestanding -nostdlib, ld.lld -shared --no-undefined).
 * Each function exercises one part of the contract: constants, scratch, strided and aliasing
 * outputs, several outputs of mixed rank, data-dependent dims, stack-passed arguments, the
 * services table, and broken output descriptors.
 *===----------------------------------------------------------------------===*/
#include "llmc/abi.h"

#include <stdint.h>

#define MEMREF(name, type, rank)                                                                   \
  typedef struct {                                                                                 \
    type *allocated;                                                                               \
    type *aligned;                                                                                 \
    int64_t offset;                                                                                \
    int64_t sizes[rank];                                                                           \
    int64_t strides[rank];                                                                         \
  } name

MEMREF(F32x1, float, 1);
MEMREF(F32x2, float, 2);
MEMREF(F32x3, float, 3);
MEMREF(I64x1, int64_t, 1);
MEMREF(Scratch, int8_t, 1);
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
} F32x0;
typedef struct {
  int64_t *allocated;
  int64_t *aligned;
  int64_t offset;
} I64x0;

#define EXPORT __attribute__((visibility("default")))

static float at2(const F32x2 *m, int64_t i, int64_t j) {
  return m->aligned[m->offset + i * m->strides[0] + j * m->strides[1]];
}

/* out[N, 3] = a[N, 3] + b[N, 3] + bias[3], written to scratch. */
EXPORT void add_bias(F32x2 *result, F32x2 *a, F32x2 *b, F32x1 *bias, Scratch *scratch,
                     const llmc_services_t *services) {
  float *out = (float *)scratch->aligned;
  int64_t n = a->sizes[0], m = a->sizes[1];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      out[i * m + j] =
          at2(a, i, j) + at2(b, i, j) + bias->aligned[bias->offset + j * bias->strides[0]];
  result->allocated = result->aligned = out;
  result->offset = 0;
  result->sizes[0] = n;
  result->sizes[1] = m;
  result->strides[0] = m;
  result->strides[1] = 1;
}

/* sum[3, 4, 5] = x + y (ONNX node test "test_add"), written to scratch. */
EXPORT void add3d(F32x3 *result, F32x3 *x, F32x3 *y, Scratch *scratch,
                  const llmc_services_t *services) {
  float *out = (float *)scratch->aligned;
  int64_t count = x->sizes[0] * x->sizes[1] * x->sizes[2];
  for (int64_t i = 0; i < count; ++i)
    out[i] = x->aligned[x->offset + i] + y->aligned[y->offset + i];
  result->allocated = result->aligned = out;
  result->offset = 0;
  for (int d = 0; d < 3; ++d) {
    result->sizes[d] = x->sizes[d];
    result->strides[d] = x->strides[d];
  }
}

/* Three outputs of ranks 2, 2 and 0 from a[2, 3]: transpose(a) and a[1:, :] as views that alias
 * the input (strided, with an offset), and sum(a) in scratch. */
typedef struct {
  F32x2 transposed;
  F32x2 tail;
  F32x0 total;
} ViewsResult;

EXPORT void views(ViewsResult *result, F32x2 *a, Scratch *scratch,
                  const llmc_services_t *services) {
  result->transposed.allocated = a->allocated;
  result->transposed.aligned = a->aligned;
  result->transposed.offset = a->offset;
  result->transposed.sizes[0] = a->sizes[1];
  result->transposed.sizes[1] = a->sizes[0];
  result->transposed.strides[0] = a->strides[1];
  result->transposed.strides[1] = a->strides[0];

  result->tail.allocated = a->allocated;
  result->tail.aligned = a->aligned;
  result->tail.offset = a->offset + a->strides[0];
  result->tail.sizes[0] = a->sizes[0] - 1;
  result->tail.sizes[1] = a->sizes[1];
  result->tail.strides[0] = a->strides[0];
  result->tail.strides[1] = a->strides[1];

  float *total = (float *)scratch->aligned;
  *total = 0;
  for (int64_t i = 0; i < a->sizes[0]; ++i)
    for (int64_t j = 0; j < a->sizes[1]; ++j)
      *total += at2(a, i, j);
  result->total.allocated = result->total.aligned = total;
  result->total.offset = 0;
}

/* Arguments past the sixth (x86-64) or eighth (AArch64) travel on the stack: 15 and 16 in all,
 * so that both parities of stack arguments are exercised. out = sum((i + 1) * x_i) +
 * sum(100 * (j + 1) * c_j), written to scratch. */
static float weighted(F32x0 **xs, int nx, F32x0 **cs, int nc) {
  float total = 0;
  for (int i = 0; i < nx; ++i)
    total += (float)(i + 1) * xs[i]->aligned[xs[i]->offset];
  for (int j = 0; j < nc; ++j)
    total += 100.0f * (float)(j + 1) * cs[j]->aligned[cs[j]->offset];
  return total;
}

static void scalarResult(F32x0 *result, Scratch *scratch, float value) {
  float *out = (float *)scratch->aligned;
  *out = value;
  result->allocated = result->aligned = out;
  result->offset = 0;
}

EXPORT void many_args_odd(F32x0 *result, F32x0 *x0, F32x0 *x1, F32x0 *x2, F32x0 *x3, F32x0 *x4,
                          F32x0 *x5, F32x0 *x6, F32x0 *x7, F32x0 *x8, F32x0 *c0, F32x0 *c1,
                          F32x0 *c2, Scratch *scratch, const llmc_services_t *services) {
  F32x0 *xs[] = {x0, x1, x2, x3, x4, x5, x6, x7, x8};
  F32x0 *cs[] = {c0, c1, c2};
  scalarResult(result, scratch, weighted(xs, 9, cs, 3));
}

EXPORT void many_args_even(F32x0 *result, F32x0 *x0, F32x0 *x1, F32x0 *x2, F32x0 *x3, F32x0 *x4,
                           F32x0 *x5, F32x0 *x6, F32x0 *x7, F32x0 *x8, F32x0 *x9, F32x0 *c0,
                           F32x0 *c1, F32x0 *c2, Scratch *scratch,
                           const llmc_services_t *services) {
  F32x0 *xs[] = {x0, x1, x2, x3, x4, x5, x6, x7, x8, x9};
  F32x0 *cs[] = {c0, c1, c2};
  scalarResult(result, scratch, weighted(xs, 10, cs, 3));
}

/* y[N] = 2 * x[N] through services->parallel_for, plus the services' thread count. */
typedef struct {
  const F32x1 *x;
  float *y;
} DoubleContext;

static void doubleBody(void *context, int64_t begin, int64_t end) {
  DoubleContext *c = (DoubleContext *)context;
  for (int64_t i = begin; i < end; ++i)
    c->y[i] = 2.0f * c->x->aligned[c->x->offset + i * c->x->strides[0]];
}

typedef struct {
  F32x1 y;
  I64x0 threads;
} ParallelResult;

EXPORT void parallel_double(ParallelResult *result, F32x1 *x, Scratch *scratch,
                            const llmc_services_t *services) {
  int64_t n = x->sizes[0];
  float *y = (float *)scratch->aligned;
  int64_t *threads = (int64_t *)(scratch->aligned + ((n * 4 + 63) / 64) * 64);
  DoubleContext context = {x, y};
  if (services->version >= 1 && services->size >= sizeof(llmc_services_t))
    services->parallel_for(services, n, 16, doubleBody, &context);
  *threads = services->thread_count;
  result->y.allocated = result->y.aligned = y;
  result->y.offset = 0;
  result->y.sizes[0] = n;
  result->y.strides[0] = 1;
  result->threads.allocated = result->threads.aligned = threads;
  result->threads.offset = 0;
}

/* y[?] = the positive elements of x[N]: a data-dependent output dim. */
EXPORT void positives(F32x1 *result, F32x1 *x, Scratch *scratch, const llmc_services_t *services) {
  float *y = (float *)scratch->aligned;
  int64_t count = 0;
  for (int64_t i = 0; i < x->sizes[0]; ++i) {
    float v = x->aligned[x->offset + i * x->strides[0]];
    if (v > 0)
      y[count++] = v;
  }
  result->allocated = result->aligned = y;
  result->offset = 0;
  result->sizes[0] = count;
  result->strides[0] = 1;
}

/* y[N] = x[N] + 1 on int64 values. */
EXPORT void increment_i64(I64x1 *result, I64x1 *x, Scratch *scratch,
                          const llmc_services_t *services) {
  int64_t *y = (int64_t *)scratch->aligned;
  for (int64_t i = 0; i < x->sizes[0]; ++i)
    y[i] = x->aligned[x->offset + i * x->strides[0]] + 1;
  result->allocated = result->aligned = y;
  result->offset = 0;
  result->sizes[0] = x->sizes[0];
  result->strides[0] = 1;
}

/* Broken contracts: a negative output size, and a size that contradicts a static dim (4). */
EXPORT void negative_size(F32x1 *result, F32x1 *x, Scratch *scratch,
                          const llmc_services_t *services) {
  *result = *x;
  result->sizes[0] = -3;
}

EXPORT void wrong_static_size(F32x1 *result, F32x1 *x, Scratch *scratch,
                              const llmc_services_t *services) {
  *result = *x;
  result->sizes[0] = 5;
}
