/* The AArch64 kernel variants against the generic kernels, run under qemu by run-qemu.sh:
 * llmc_mk_linear_{q8_0,q4_0}__dotprod must equal the generic kernels bit for bit, and
 * llmc_mk_matmul_u8s8_packed__i8mm and __sve must equal the generic integer GEMM, on random data
 * of awkward sizes (odd block counts, rows past a tile, columns past a panel, k past a group).
 * The SVE kernel runs only where the CPU has SVE (run-qemu.sh runs this at several vector
 * lengths). Built from the kernel sources by run-qemu.sh; prints one line per case and exits 1
 * on a difference. */
#include "backends/cpu/kernels/llmc_kernels.h"

#include <sys/auxv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned state = 12345;
static unsigned next(void) {
  state = state * 1103515245u + 12345u;
  return state >> 8;
}
static float uniform(void) { return (float)(next() % 20001) / 10000.0f - 1.0f; }

static int linear_case(const char *name, int q4, int64_t m, int64_t n, int64_t k) {
  const int64_t blocks = k / 32, block_bytes = q4 ? 18 : 34;
  float *x = malloc(sizeof(float) * m * k), *y0 = malloc(sizeof(float) * m * n),
        *y1 = malloc(sizeof(float) * m * n);
  unsigned char *w = malloc(n * blocks * block_bytes);
  for (int64_t i = 0; i < m * k; ++i)
    x[i] = uniform() * (i % 7 == 0 ? 8.0f : 1.0f);
  for (int64_t b = 0; b < n * blocks; ++b) {
    unsigned char *block = w + b * block_bytes;
    _Float16 d = (_Float16)(0.01f + 0.02f * (float)(next() % 100) / 100.0f);
    memcpy(block, &d, 2);
    for (int j = 2; j < block_bytes; ++j)
      block[j] = (unsigned char)next();
  }
  if (q4) {
    llmc_mk_linear_q4_0(x, w, y0, m, n, k, NULL);
    llmc_mk_linear_q4_0__dotprod(x, w, y1, m, n, k, NULL);
  } else {
    llmc_mk_linear_q8_0(x, w, y0, m, n, k, NULL);
    llmc_mk_linear_q8_0__dotprod(x, w, y1, m, n, k, NULL);
  }
  const int same = memcmp(y0, y1, sizeof(float) * m * n) == 0;
  printf("%s m=%lld n=%lld k=%lld: %s\n", name, (long long)m, (long long)n, (long long)k,
         same ? "identical" : "DIFFERENT");
  free(x), free(y0), free(y1), free(w);
  return same;
}

static int qgemm_case(int64_t m, int64_t n, int64_t k, int64_t zero, int64_t is_signed) {
  const int64_t kp = (k + LLMC_QGEMM_DEPTH - 1) / LLMC_QGEMM_DEPTH * LLMC_QGEMM_DEPTH;
  const int64_t panels = (n + LLMC_QGEMM_PANEL - 1) / LLMC_QGEMM_PANEL;
  unsigned char *a = malloc(m * k);
  signed char *b = calloc(panels * kp * LLMC_QGEMM_PANEL, 1);
  int32_t *offset = malloc(4 * n), *corr = malloc(4 * n), *c0 = malloc(4 * m * n),
          *c1 = malloc(4 * m * n);
  for (int64_t i = 0; i < m * k; ++i)
    a[i] = (unsigned char)next();
  for (int64_t j = 0; j < n; ++j)
    for (int64_t p = 0; p < k; ++p) // the packed layout of llmc_kernels.h's LLMC_QGEMM_PANEL
      b[((j / LLMC_QGEMM_PANEL * kp / 4 + p / 4) * LLMC_QGEMM_PANEL + j % LLMC_QGEMM_PANEL) * 4 +
        p % 4] = (signed char)next();
  for (int64_t j = 0; j < n; ++j) {
    offset[j] = (int32_t)(next() % 256) - 128;
    corr[j] = (int32_t)next();
  }
  llmc_mk_matmul_u8s8_packed(a, b, offset, corr, c0, m, n, k, zero, is_signed, NULL);
  llmc_mk_matmul_u8s8_packed__i8mm(a, b, offset, corr, c1, m, n, k, zero, is_signed, NULL);
  int same = memcmp(c0, c1, 4 * m * n) == 0;
  printf("u8s8 i8mm m=%lld n=%lld k=%lld zero=%lld signed=%lld: %s\n", (long long)m,
         (long long)n, (long long)k, (long long)zero, (long long)is_signed,
         same ? "identical" : "DIFFERENT");
  if (getauxval(AT_HWCAP) & (1ul << 22)) { // HWCAP_SVE
    memset(c1, 0x5a, 4 * m * n);
    llmc_mk_matmul_u8s8_packed__sve(a, b, offset, corr, c1, m, n, k, zero, is_signed, NULL);
    const int sve_same = memcmp(c0, c1, 4 * m * n) == 0;
    printf("u8s8 sve m=%lld n=%lld k=%lld zero=%lld signed=%lld: %s\n", (long long)m,
           (long long)n, (long long)k, (long long)zero, (long long)is_signed,
           sve_same ? "identical" : "DIFFERENT");
    same &= sve_same;
  }
  free(a), free(b), free(offset), free(corr), free(c0), free(c1);
  return same;
}

int main(void) {
  int ok = 1;
  const int64_t shapes[][3] = {{1, 7, 32},  {1, 64, 96}, {1, 33, 4096},
                               {5, 9, 160}, {4, 8, 64},  {13, 31, 2048}};
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
    ok &= linear_case("q8_0", 0, shapes[s][0], shapes[s][1], shapes[s][2]);
    ok &= linear_case("q4_0", 1, shapes[s][0], shapes[s][1], shapes[s][2]);
  }
  ok &= qgemm_case(1, 1, 1, 0, 0);
  ok &= qgemm_case(7, 33, 5, 3, 0);
  ok &= qgemm_case(97, 70, 300, 128, 1);
  ok &= qgemm_case(100, 257, 2100, 255, 0);
  return ok ? 0 : 1;
}
