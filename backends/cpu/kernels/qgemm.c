/*===- qgemm.c - Packed 8-bit integer matrix product, exact in i32 ----------===
 *
 * llmc_mk_matmul_u8s8_packed: the i32 product of an 8-bit A (unsigned, or signed made unsigned)
 * minus its zero point and a constant 8-bit B that the compiler packed at compile time, as ONNX's
 * MatMulInteger and QLinearMatMul define it. The products are exact; the sums wrap modulo 2^32,
 * as the i32 arithmetic of the reference does, so the result is the reference's bit for bit.
 *
 * The compiler writes each column j of the centered B as w[., j] + o[j] with w in int8 (o is 0
 * for int8 weights with zero point 0, and shifts any other column whose values span at most 256),
 * packs w in groups of four values of k (LLMC_QGEMM_PANEL in llmc_kernels.h, the layout of x86's
 * VPDPBUSD), and stores o and corr[j] = sum_k w[k, j] + k * o[j]. With a = the unsigned bytes of
 * A and z its zero point (128 added for a signed A, whose bytes flip their sign bit):
 *
 *   C[i, j] = sum_k (a[i, k] - z) * (w[k, j] + o[j]) = dot(a_i, w_j) + o[j] * rowsum(a_i) - z *
 *corr[j]
 *
 * so the microkernel computes dot(a_i, w_j) of unsigned by signed bytes and the epilogue adds the
 * two corrections. C is cut into tasks of MC rows by NC columns; a task walks k in blocks of KC,
 * packs its rows of A for each (an MR-row panel holds, per group of four k, four bytes of each
 * row, and the rows' sums come out of the packing), and runs the microkernel with each A panel
 * in L1 along the B panels.
 *
 * The generic microkernel (4 x 32, clang vector extensions) runs on every target. Compiled again
 * with -DLLMC_KERNEL_VARIANT_AVX512VNNI and the AVX-512 F, BW, VL and VNNI features, this file
 * takes its 12 x 32 VPDPBUSD microkernel from qgemm_avx512vnni.h and defines the __avx512vnni
 * entry point, which the compiler links instead when the target has those features. On AArch64,
 * compiled with i8mm and -DLLMC_KERNEL_VARIANT_I8MM, it takes the 4 x 32 SUDOT microkernel of
 * qgemm_neon_i8mm.h (the same packed layout) and defines the __i8mm entry point; with SVE and
 * -DLLMC_KERNEL_VARIANT_SVE, the vector-length-agnostic SDOT microkernel of qgemm_sve.h and the
 * __sve entry point.
 *
 *===----------------------------------------------------------------------===*/
#include "kernel_support.h"

#if defined(LLMC_KERNEL_VARIANT_AMX)
#include "qgemm_avx512vnni.h"
#define LLMC_QGEMM_NAME(NAME) NAME##__amx
#elif defined(LLMC_KERNEL_VARIANT_AVX512VNNI)
#include "qgemm_avx512vnni.h"
#define LLMC_QGEMM_NAME(NAME) NAME##__avx512vnni
#elif defined(LLMC_KERNEL_VARIANT_I8MM)
#include "qgemm_neon_i8mm.h"
#define LLMC_QGEMM_NAME(NAME) NAME##__i8mm
#elif defined(LLMC_KERNEL_VARIANT_SVE)
#include "qgemm_sve.h"
#define LLMC_QGEMM_NAME(NAME) NAME##__sve
#else

#define LLMC_QGEMM_MR 4
#define LLMC_QGEMM_NAME(NAME) NAME

/// acc[i][j] = sum over `groups` groups of four k of a[g][i][0..3] * b[g][j][0..3] (unsigned by
/// signed bytes) for the first `rows` rows (a constant after inlining) and the panel's 32
/// columns; then C's tile (row stride ldc) = acc (accumulate false) or C += acc, wrapping.
LLMC_INLINE void llmc_qgemm_micro(const int rows, int64_t groups, const uint8_t *restrict a,
                                  const int8_t *restrict b, int32_t *restrict c, int64_t ldc,
                                  bool accumulate) {
  i32x16 acc0[LLMC_QGEMM_MR], acc1[LLMC_QGEMM_MR];
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_QGEMM_MR; ++i)
    acc0[i] = acc1[i] = 0;
  for (int64_t g = 0; g < groups; ++g) {
    const int8_t *bg = b + g * LLMC_QGEMM_PANEL * 4;
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; ++r) {
      // Value r of the group for columns 0..15 and 16..31.
      i32x16 b0, b1;
#pragma clang loop unroll(full)
      for (int j = 0; j < 16; ++j) {
        b0[j] = bg[j * 4 + r];
        b1[j] = bg[(16 + j) * 4 + r];
      }
#pragma clang loop unroll(full)
      for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
        if (i >= rows)
          break;
        const int32_t av = a[(g * LLMC_QGEMM_MR + i) * 4 + r];
        acc0[i] += av * b0;
        acc1[i] += av * b1;
      }
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
    if (i >= rows)
      break;
    u32x16 v0 = (u32x16)acc0[i], v1 = (u32x16)acc1[i];
    if (accumulate) {
      u32x16 c0, c1;
      __builtin_memcpy(&c0, c + i * ldc, sizeof(c0));
      __builtin_memcpy(&c1, c + i * ldc + 16, sizeof(c1));
      v0 += c0;
      v1 += c1;
    }
    __builtin_memcpy(c + i * ldc, &v0, sizeof(v0));
    __builtin_memcpy(c + i * ldc + 16, &v1, sizeof(v1));
  }
}

#endif // LLMC_KERNEL_VARIANT_AMX, _AVX512VNNI, _I8MM, _SVE

/// Rows of C per task (a multiple of every MR and of AMX's 32), values of k per block (a multiple
/// of LLMC_QGEMM_DEPTH) and columns of C per task (a multiple of LLMC_QGEMM_PANEL). The A block
/// (MC x KC bytes) is packed on the task's stack. AMX's tiles go through k sixteen times faster
/// than the microkernel: its blocks of k are shorter (A's 32-row tiles of a block, 16 KiB, stay in
/// L1, and a task's B block, 512 KiB, in L2) and its tasks wider (A is packed once per task).
#define LLMC_QGEMM_MC 96
#ifdef LLMC_KERNEL_VARIANT_AMX
#define LLMC_QGEMM_KC 512
#define LLMC_QGEMM_NC 1024
#else
#define LLMC_QGEMM_KC 2048
#define LLMC_QGEMM_NC 256
#endif

_Static_assert(LLMC_QGEMM_MC % LLMC_QGEMM_MR == 0 && LLMC_QGEMM_MC % 32 == 0 &&
                   LLMC_QGEMM_KC % LLMC_QGEMM_DEPTH == 0 && LLMC_QGEMM_NC % LLMC_QGEMM_PANEL == 0 &&
                   LLMC_QGEMM_MR <= 12,
               "blocks hold whole panels; llmc_qgemm_tile has cases for up to 12 rows");

typedef struct {
  const uint8_t *a;
  const int8_t *b;
  const int32_t *offset, *corr;
  int32_t *c;
  int64_t m, n, k, kp; // kp: k rounded up to LLMC_QGEMM_DEPTH, the packed B's depth
  uint32_t zero;       // A's zero point, as an unsigned byte value
  uint8_t flip;        // 0x80 for a signed A: its bytes with the sign bit flipped are unsigned
  int64_t col_tasks;
} llmc_qgemm_args_t;

/// Packs rows [0, rows) x k values [p0, p0 + kc) of A (row stride lda) into MR-row panels (per
/// group of four k, four bytes of each row; bytes past k and rows past `rows` zero), and adds
/// each row's bytes (flipped) to rowsum.
LLMC_INLINE void llmc_qgemm_pack_a(const uint8_t *a, int64_t lda, int64_t rows, int64_t kc,
                                   uint8_t flip, uint8_t *restrict out, uint32_t *restrict rowsum) {
  const int64_t groups = (kc + 3) / 4;
  for (int64_t i0 = 0; i0 < rows; i0 += LLMC_QGEMM_MR) {
    uint8_t *panel = out + i0 * groups * 4;
    for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
      uint8_t *dst = panel + i * 4;
      if (i0 + i >= rows) {
        for (int64_t g = 0; g < groups; ++g)
          __builtin_memset(dst + g * LLMC_QGEMM_MR * 4, 0, 4);
        continue;
      }
      const uint8_t *src = a + (i0 + i) * lda;
      uint32_t sum = 0;
      int64_t g = 0;
      for (; g * 4 + 4 <= kc; ++g) {
        uint8_t q[4];
        for (int r = 0; r < 4; ++r) {
          q[r] = (uint8_t)(src[g * 4 + r] ^ flip);
          sum += q[r];
        }
        __builtin_memcpy(dst + g * LLMC_QGEMM_MR * 4, q, 4);
      }
      if (g < groups) {
        uint8_t q[4] = {0, 0, 0, 0};
        for (int r = 0; g * 4 + r < kc; ++r) {
          q[r] = (uint8_t)(src[g * 4 + r] ^ flip);
          sum += q[r];
        }
        __builtin_memcpy(dst + g * LLMC_QGEMM_MR * 4, q, 4);
      }
      rowsum[i0 + i] += sum;
    }
  }
}

/// The microkernel on a tile of `mr` rows (1 .. MR), each row count its own inlined copy.
LLMC_INLINE void llmc_qgemm_tile(int64_t mr, int64_t groups, const uint8_t *a, const int8_t *b,
                                 int32_t *c, int64_t ldc, bool accumulate) {
#define LLMC_QGEMM_ROWS(R)                                                                         \
  case R:                                                                                          \
    if (R <= LLMC_QGEMM_MR)                                                                        \
      llmc_qgemm_micro(R <= LLMC_QGEMM_MR ? R : 1, groups, a, b, c, ldc, accumulate);              \
    return;
  switch (mr) {
    LLMC_QGEMM_ROWS(1)
    LLMC_QGEMM_ROWS(2)
    LLMC_QGEMM_ROWS(3)
    LLMC_QGEMM_ROWS(4)
    LLMC_QGEMM_ROWS(5)
    LLMC_QGEMM_ROWS(6)
    LLMC_QGEMM_ROWS(7)
    LLMC_QGEMM_ROWS(8)
    LLMC_QGEMM_ROWS(9)
    LLMC_QGEMM_ROWS(10)
    LLMC_QGEMM_ROWS(11)
    LLMC_QGEMM_ROWS(12)
  default:
    return;
  }
#undef LLMC_QGEMM_ROWS
}

/// Task t's rows [*i0, *i0 + *rows) and columns [*j0, *j0 + *cols) of C.
LLMC_INLINE void llmc_qgemm_task_bounds(const llmc_qgemm_args_t *g, int64_t t, int64_t *i0,
                                        int64_t *rows, int64_t *j0, int64_t *cols) {
  *i0 = t / g->col_tasks * LLMC_QGEMM_MC;
  *rows = g->m - *i0 < LLMC_QGEMM_MC ? g->m - *i0 : LLMC_QGEMM_MC;
  *j0 = t % g->col_tasks * LLMC_QGEMM_NC;
  *cols = g->n - *j0 < LLMC_QGEMM_NC ? g->n - *j0 : LLMC_QGEMM_NC;
}

/// The corrections on a task's block of C: + o[j] * rowsum[i] - z * corr[j], modulo 2^32.
LLMC_INLINE void llmc_qgemm_corrections(const llmc_qgemm_args_t *g, int64_t i0, int64_t rows,
                                        int64_t j0, int64_t cols, const uint32_t *rowsum) {
  for (int64_t i = 0; i < rows; ++i) {
    int32_t *row = g->c + (i0 + i) * g->n + j0;
    for (int64_t j = 0; j < cols; ++j)
      row[j] = (int32_t)((uint32_t)row[j] + (uint32_t)g->offset[j0 + j] * rowsum[i] -
                         g->zero * (uint32_t)g->corr[j0 + j]);
  }
}

/// Task t: its rows by columns of C, the whole of k in blocks of KC, with the microkernel (the
/// AMX variant has a task of its own and leaves this one unused).
LLMC_INLINE __attribute__((unused)) void llmc_qgemm_task(const llmc_qgemm_args_t *g, int64_t t) {
  uint8_t a_pack[LLMC_QGEMM_MC * LLMC_QGEMM_KC] __attribute__((aligned(64)));
  uint32_t rowsum[LLMC_QGEMM_MC];
  int64_t i0, rows, j0, cols;
  llmc_qgemm_task_bounds(g, t, &i0, &rows, &j0, &cols);
  const int64_t n = g->n;
  for (int64_t i = 0; i < rows; ++i)
    rowsum[i] = 0;
  for (int64_t p0 = 0; p0 < g->k; p0 += LLMC_QGEMM_KC) {
    const int64_t kc = g->k - p0 < LLMC_QGEMM_KC ? g->k - p0 : LLMC_QGEMM_KC;
    const int64_t groups = (kc + 3) / 4;
    llmc_qgemm_pack_a(g->a + i0 * g->k + p0, g->k, rows, kc, g->flip, a_pack, rowsum);
    for (int64_t ir = 0; ir < rows; ir += LLMC_QGEMM_MR) {
      const int64_t mr = rows - ir < LLMC_QGEMM_MR ? rows - ir : LLMC_QGEMM_MR;
      const uint8_t *a = a_pack + ir * groups * 4;
      for (int64_t jr = 0; jr < cols; jr += LLMC_QGEMM_PANEL) {
        const int64_t j = j0 + jr;
        const int8_t *b = g->b + (j / LLMC_QGEMM_PANEL * g->kp + p0) * LLMC_QGEMM_PANEL;
        int32_t *c = g->c + (i0 + ir) * n + j;
        if (cols - jr >= LLMC_QGEMM_PANEL) {
          llmc_qgemm_tile(mr, groups, a, b, c, n, p0 > 0);
          continue;
        }
        // A tile narrower than the panel: through a local buffer.
        int32_t tile[LLMC_QGEMM_MR * LLMC_QGEMM_PANEL] __attribute__((aligned(64)));
        llmc_qgemm_tile(mr, groups, a, b, tile, LLMC_QGEMM_PANEL, false);
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t jj = 0; jj < cols - jr; ++jj) {
            const uint32_t v = (uint32_t)tile[i * LLMC_QGEMM_PANEL + jj];
            c[i * n + jj] = (int32_t)(p0 > 0 ? (uint32_t)c[i * n + jj] + v : v);
          }
      }
    }
  }
  llmc_qgemm_corrections(g, i0, rows, j0, cols, rowsum);
}

#ifdef LLMC_KERNEL_VARIANT_AMX
#include "qgemm_amx.h"
#define LLMC_QGEMM_TASK llmc_qgemm_task_amx
#else
#define LLMC_QGEMM_TASK llmc_qgemm_task
#endif

static void llmc_qgemm_body(void *context, int64_t begin, int64_t end) {
  const llmc_qgemm_args_t *g = (const llmc_qgemm_args_t *)context;
  for (int64_t t = begin; t < end; ++t)
    LLMC_QGEMM_TASK(g, t);
}

void LLMC_QGEMM_NAME(llmc_mk_matmul_u8s8_packed)(const uint8_t *a, const int8_t *b_packed,
                                                 const int32_t *b_offset, const int32_t *b_corr,
                                                 int32_t *c, int64_t m, int64_t n, int64_t k,
                                                 int64_t a_zero, int64_t a_signed,
                                                 const llmc_services_t *services) {
  if (m <= 0 || n <= 0)
    return;
  const uint8_t flip = a_signed ? 0x80 : 0;
  llmc_qgemm_args_t g = {a,
                         b_packed,
                         b_offset,
                         b_corr,
                         c,
                         m,
                         n,
                         k > 0 ? k : 0,
                         (k + LLMC_QGEMM_DEPTH - 1) / LLMC_QGEMM_DEPTH * LLMC_QGEMM_DEPTH,
                         (uint32_t)(a_zero + (a_signed ? 128 : 0)),
                         flip,
                         (n + LLMC_QGEMM_NC - 1) / LLMC_QGEMM_NC};
  if (k <= 0) { // An empty sum: zeros.
    for (int64_t i = 0; i < m * n; ++i)
      c[i] = 0;
    return;
  }
  const int64_t row_tasks = (m + LLMC_QGEMM_MC - 1) / LLMC_QGEMM_MC;
  llmc_parallel(services, row_tasks * g.col_tasks, 1, llmc_qgemm_body, &g);
}
