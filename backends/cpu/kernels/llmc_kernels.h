/*===- llmc_kernels.h - Microkernels linked into LLM code objects -----------===
 *
 * The hand-written kernels that the llmc compiler links into every code object of an LLM. They
 * are plain C11 (clang vector extensions, no libc, no libm), compiled to LLVM bitcode for each
 * target triple and optimized together with the model's code for the target's CPU.
 *
 * Shapes are trusted: the compiler guarantees them. Every size is an int64_t, every matrix is
 * row-major and contiguous, activations are f32. Weight formats follow ggml exactly:
 *
 *   f32, f16 (IEEE half), bf16     one element per "block"
 *   q8_0  34-byte blocks of 32:    f16 d, 32 x int8 q            w = d * q
 *   q4_0  18-byte blocks of 32:    f16 d, 16 bytes of nibbles    w = d * (nibble - 8), element j
 *                                  is the low nibble of byte j (j < 16) or the high nibble of
 *                                  byte j - 16
 *   q4_k  144-byte blocks of 256:  f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes
 *                                  of nibbles                   w = d * sc * q - dmin * m
 *   q6_k  210-byte blocks of 256:  128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16
 *                                  int8 scales, f16 d           w = d * sc * (q - 32)
 *
 * A weight matrix of n rows and k logical elements per row stores each row as k / block_size
 * blocks, rows back to back. Every kernel parallelizes through services->parallel_for and runs
 * inline when services->thread_count is 1. None keeps state between calls.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_KERNELS_H_
#define LLMC_KERNELS_H_

#include <stdint.h>

#include "llmc/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Linear layer without bias: y[i, r] = sum_j x[i, j] * W[r, j] for i < m, r < n, j < k.
/// x is [m, k] f32, W is [n, k] in the kernel's format (k a multiple of its block size), y is
/// [m, n] f32. Weights are dequantized inside the dot products and read once per pass of up to
/// four rows of x.
void llmc_mk_linear_f32(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                        const llmc_services_t *services);
/// llmc_mk_linear_f32 with IEEE half weights.
void llmc_mk_linear_f16(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                        const llmc_services_t *services);
/// llmc_mk_linear_f32 with bfloat16 weights.
void llmc_mk_linear_bf16(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                         const llmc_services_t *services);
/// llmc_mk_linear_f32 with Q8_0 weights (k a multiple of 32).
void llmc_mk_linear_q8_0(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                         const llmc_services_t *services);
/// llmc_mk_linear_f32 with Q4_0 weights (k a multiple of 32).
void llmc_mk_linear_q4_0(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                         const llmc_services_t *services);
/// llmc_mk_linear_f32 with Q4_K weights (k a multiple of 256).
void llmc_mk_linear_q4_k(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                         const llmc_services_t *services);
/// llmc_mk_linear_f32 with Q6_K weights (k a multiple of 256).
void llmc_mk_linear_q6_k(const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k,
                         const llmc_services_t *services);

/// ISA variants: llmc_mk_linear_q8_0 and llmc_mk_linear_q4_0 with AVX512-VNNI (AVX-512 F, BW,
/// VL and VNNI), the same integer block dot products with VPDPBUSD. Their results equal the
/// generic kernels' up to the f32 summation order. The compiler binds a kernel's name to its
/// variant when the target has the variant's features (backends/cpu/KernelLibrary.cpp); other
/// callers must check the CPU first.
void llmc_mk_linear_q8_0__avx512vnni(const float *x, const void *w, float *y, int64_t m, int64_t n,
                                     int64_t k, const llmc_services_t *services);
/// See llmc_mk_linear_q8_0__avx512vnni.
void llmc_mk_linear_q4_0__avx512vnni(const float *x, const void *w, float *y, int64_t m, int64_t n,
                                     int64_t k, const llmc_services_t *services);
/// AArch64 with dotprod: the same kernels with SDOT, whose results equal the generic kernels'
/// bit for bit (linear_neon_dotprod.h lays the blocks out so that each lane sums the same four
/// products).
void llmc_mk_linear_q8_0__dotprod(const float *x, const void *w, float *y, int64_t m, int64_t n,
                                  int64_t k, const llmc_services_t *services);
void llmc_mk_linear_q4_0__dotprod(const float *x, const void *w, float *y, int64_t m, int64_t n,
                                  int64_t k, const llmc_services_t *services);

/// Matrix product C = A x B in f32: A is [m, k], B is [k, n], C is [m, n], all row-major and
/// contiguous (C is zeros when k is 0). Each element is a chain of f32 multiply-adds over k in
/// order (fused where the target has FMA), one block of 256 values of k at a time (512 for
/// llmc_mk_matmul_f32_packed), each block's
/// sum added to the previous ones; the result does not depend on the thread count. Packed and
/// register-blocked (gemm.c).
void llmc_mk_matmul_f32(const float *a, const float *b, float *c, int64_t m, int64_t n, int64_t k,
                        const llmc_services_t *services);
/// ISA variant: llmc_mk_matmul_f32 with AVX-512 (F, BW, VL) and FMA, a 12 x 32 register tile;
/// its results equal the generic kernel's on a target with FMA.
void llmc_mk_matmul_f32__avx512(const float *a, const float *b, float *c, int64_t m, int64_t n,
                                int64_t k, const llmc_services_t *services);

/// Matrix product C = A x B in bfloat16: A is [m, k], B is [k, n], C is [m, n], all row-major
/// and contiguous. Each product of two bf16 values is exact in f32, the products are summed in
/// f32, and each element is rounded to bf16 (to nearest, ties to even) once (zeros when k is 0).
/// Packed and register-blocked (gemm_bf16.c).
void llmc_mk_matmul_bf16(const uint16_t *a, const uint16_t *b, uint16_t *c, int64_t m, int64_t n,
                         int64_t k, const llmc_services_t *services);
/// ISA variants: llmc_mk_matmul_bf16 with AVX512-BF16 (AVX-512 F, BW, VL and BF16), a 12 x 32
/// tile of VDPBF16PS, and with AMX-BF16 (AVX-512 F, BW, VL, BF16, AMX-TILE and AMX-BF16), 32 x 32
/// blocks of C in four tiles of TDPBF16PS. Their results differ from the generic kernel's only in
/// the order of the f32 sums and in subnormal products and sums, which they flush to zero.
void llmc_mk_matmul_bf16__avx512bf16(const uint16_t *a, const uint16_t *b, uint16_t *c, int64_t m,
                                     int64_t n, int64_t k, const llmc_services_t *services);
void llmc_mk_matmul_bf16__amxbf16(const uint16_t *a, const uint16_t *b, uint16_t *c, int64_t m,
                                  int64_t n, int64_t k, const llmc_services_t *services);

/// A loop body outlined by llmc-parallelize-loops: runs iterations [begin, end) of its loop with
/// the operands described at `context` (the address of words on the caller's stack).
typedef void (*llmc_loop_body_t)(int64_t context, int64_t begin, int64_t end);
/// Runs body over chunks of at least `grain` of [0, count) on the services' threads (parallel.c).
void llmc_mk_parallel_loop(int64_t context, llmc_loop_body_t body, int64_t count, int64_t grain,
                           const llmc_services_t *services);

/// The layout of the packed B of llmc_mk_matmul_u8s8_packed: int8 w [k, n] in panels of
/// LLMC_QGEMM_PANEL columns, panel after panel, k rounded up to kp, a multiple of
/// LLMC_QGEMM_DEPTH; a panel holds kp / 4 groups, and group g holds, for each of the panel's
/// columns j in turn, the four bytes w[4g .. 4g + 3, j] (the operand layout of x86's VPDPBUSD, and
/// of AMX's TDPBUSD with a row stride of 128 bytes). Values past k and columns past n are zero. It
/// takes ceil(n / PANEL) * kp * PANEL bytes. The compiler packs constant weights so.
#define LLMC_QGEMM_PANEL 32
#define LLMC_QGEMM_DEPTH 64

/// The exact i32 product of an 8-bit A and a packed constant int8 B: C[i, j] = sum_k (A[i, k] -
/// a_zero) * (w[k, j] + b_offset[j]), modulo 2^32, for A [m, k] row-major (uint8, or int8 when
/// a_signed is 1; a_zero in the same type's range), w packed in the LLMC_QGEMM_PANEL layout, C
/// [m, n] row-major. b_corr[j] must be sum_k w[k, j] + k * b_offset[j] (modulo 2^32). The compiler
/// writes any centered 8-bit B whose columns each span at most 256 values so. Packed and
/// register-blocked (qgemm.c).
void llmc_mk_matmul_u8s8_packed(const uint8_t *a, const int8_t *b_packed, const int32_t *b_offset,
                                const int32_t *b_corr, int32_t *c, int64_t m, int64_t n, int64_t k,
                                int64_t a_zero, int64_t a_signed, const llmc_services_t *services);
/// ISA variants: llmc_mk_matmul_u8s8_packed with AVX512-VNNI (AVX-512 F, BW, VL and VNNI), a 12 x
/// 32 register tile of VPDPBUSD, and with AMX (those and AMX-TILE, AMX-INT8: 32 x 32 blocks of C
/// in four tiles of TDPBUSD; the runtime asks Linux for the tile state when it loads a model built
/// for AMX). Their results equal the generic kernel's.
void llmc_mk_matmul_u8s8_packed__avx512vnni(const uint8_t *a, const int8_t *b_packed,
                                            const int32_t *b_offset, const int32_t *b_corr,
                                            int32_t *c, int64_t m, int64_t n, int64_t k,
                                            int64_t a_zero, int64_t a_signed,
                                            const llmc_services_t *services);
void llmc_mk_matmul_u8s8_packed__amx(const uint8_t *a, const int8_t *b_packed,
                                     const int32_t *b_offset, const int32_t *b_corr, int32_t *c,
                                     int64_t m, int64_t n, int64_t k, int64_t a_zero,
                                     int64_t a_signed, const llmc_services_t *services);
/// AArch64 with SVE (any vector length): SDOT of the flipped A bytes plus 128 times the columns'
/// sums, on the same packed layout; exact like the others. Bound after __i8mm.
void llmc_mk_matmul_u8s8_packed__sve(const uint8_t *a, const int8_t *b_packed,
                                     const int32_t *b_offset, const int32_t *b_corr, int32_t *c,
                                     int64_t m, int64_t n, int64_t k, int64_t a_zero,
                                     int64_t a_signed, const llmc_services_t *services);
/// AArch64 with i8mm: a 4 x 32 tile of SUDOT on the same packed layout; exact like the others.
void llmc_mk_matmul_u8s8_packed__i8mm(const uint8_t *a, const int8_t *b_packed,
                                      const int32_t *b_offset, const int32_t *b_corr, int32_t *c,
                                      int64_t m, int64_t n, int64_t k, int64_t a_zero,
                                      int64_t a_signed, const llmc_services_t *services);

/// A convolution's input unfolded for the GEMM (im2col), for one image: x is [channels, h, w];
/// row (c * kh + i) * kw + j of cols ([channels * kh * kw, oh * ow]) holds, at output position
/// (y, x), the input at (y * stride_h + i * dilation_h - pad_top, x * stride_w + j * dilation_w -
/// pad_left), or zero in the padding.
void llmc_mk_im2col_f32(const float *x, float *cols, int64_t channels, int64_t h, int64_t w,
                        int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t stride_h,
                        int64_t stride_w, int64_t dilation_h, int64_t dilation_w, int64_t pad_top,
                        int64_t pad_left, const llmc_services_t *services);

/// The transposed unfolding for 8-bit images (im2row), one image in channels-last layout: x is
/// [h, w, channels] bytes; row y * ow + x of rows ([oh * ow, kh * kw * channels]) holds, at
/// column (i * kw + j) * channels + c, the input at (y * stride_h + i * dilation_h - pad_top,
/// x * stride_w + j * dilation_w - pad_left) of channel c, or pad_value (its low byte) in the
/// padding.
void llmc_mk_im2row_u8(const uint8_t *x, uint8_t *rows, int64_t channels, int64_t h, int64_t w,
                       int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t stride_h,
                       int64_t stride_w, int64_t dilation_h, int64_t dilation_w, int64_t pad_top,
                       int64_t pad_left, int64_t pad_value, const llmc_services_t *services);

/// The layout of a pre-packed B for llmc_mk_matmul_f32_packed: B [k, n] in panels of
/// LLMC_GEMM_PANEL columns, panel after panel; a panel holds k rows of LLMC_GEMM_PANEL floats
/// (row p of panel q is B[p, q * PANEL ...]), the columns past n zero. It takes
/// ceil(n / PANEL) * k * PANEL floats. The compiler packs constant weights so at compile time.
#define LLMC_GEMM_PANEL 32

/// llmc_mk_matmul_f32 with B pre-packed in the LLMC_GEMM_PANEL layout: the product reads the
/// weights as they are stored, and tasks can share them at no cost.
void llmc_mk_matmul_f32_packed(const float *a, const float *b_packed, float *c, int64_t m,
                               int64_t n, int64_t k, const llmc_services_t *services);
/// Epilogue flags of the *_epilogue matmul kernels, applied to each block of C while it is in the
/// caches, in this order: the bias per column (bias has n values: a dense layer's) or per row (m
/// values: a convolution's, with the filters as rows), then one activation: ReLU (max(x, 0), NaN
/// kept), GELU (0.5 x (1 + erf(x / sqrt(2))), erf by a rational approximation: absolute error
/// below 3.5e-7 max(1, |x|)) or GELU with the tanh approximation (x / (1 + e^(-2u)), u = sqrt(2 /
/// pi) (x + 0.044715 x^3), which keeps its relative accuracy where it tends to zero).
#define LLMC_GEMM_EPILOGUE_BIAS_COLUMNS 1
#define LLMC_GEMM_EPILOGUE_BIAS_ROWS 2
#define LLMC_GEMM_EPILOGUE_RELU 4
#define LLMC_GEMM_EPILOGUE_GELU 8
#define LLMC_GEMM_EPILOGUE_GELU_TANH 16

/// llmc_mk_matmul_f32 followed by the epilogue `epilogue` (LLMC_GEMM_EPILOGUE_* flags; bias is
/// read only when a bias flag is set).
void llmc_mk_matmul_f32_epilogue(const float *a, const float *b, const float *bias, float *c,
                                 int64_t m, int64_t n, int64_t k, int64_t epilogue,
                                 const llmc_services_t *services);
/// llmc_mk_matmul_f32_packed followed by the epilogue `epilogue`.
void llmc_mk_matmul_f32_packed_epilogue(const float *a, const float *b_packed, const float *bias,
                                        float *c, int64_t m, int64_t n, int64_t k, int64_t epilogue,
                                        const llmc_services_t *services);
/// ISA variants: the epilogue kernels with the AVX-512 microkernel.
void llmc_mk_matmul_f32_epilogue__avx512(const float *a, const float *b, const float *bias,
                                         float *c, int64_t m, int64_t n, int64_t k,
                                         int64_t epilogue, const llmc_services_t *services);
void llmc_mk_matmul_f32_packed_epilogue__avx512(const float *a, const float *b_packed,
                                                const float *bias, float *c, int64_t m, int64_t n,
                                                int64_t k, int64_t epilogue,
                                                const llmc_services_t *services);
/// ISA variant: llmc_mk_matmul_f32_packed with the AVX-512 microkernel.
void llmc_mk_matmul_f32_packed__avx512(const float *a, const float *b_packed, float *c, int64_t m,
                                       int64_t n, int64_t k, const llmc_services_t *services);

/// Embedding lookup: out[i, :] = row ids[i] of table (rows x dim f32 elements), for i < count.
/// An id outside [0, rows) is clamped into it.
void llmc_mk_embedding_f32(const int32_t *ids, const void *table, float *out, int64_t count,
                           int64_t rows, int64_t dim, const llmc_services_t *services);
/// llmc_mk_embedding_f32 over an IEEE half table.
void llmc_mk_embedding_f16(const int32_t *ids, const void *table, float *out, int64_t count,
                           int64_t rows, int64_t dim, const llmc_services_t *services);
/// llmc_mk_embedding_f32 over a bfloat16 table.
void llmc_mk_embedding_bf16(const int32_t *ids, const void *table, float *out, int64_t count,
                            int64_t rows, int64_t dim, const llmc_services_t *services);
/// llmc_mk_embedding_f32 over a Q8_0 table (dim a multiple of 32), rows dequantized.
void llmc_mk_embedding_q8_0(const int32_t *ids, const void *table, float *out, int64_t count,
                            int64_t rows, int64_t dim, const llmc_services_t *services);
/// llmc_mk_embedding_f32 over a Q4_0 table (dim a multiple of 32), rows dequantized.
void llmc_mk_embedding_q4_0(const int32_t *ids, const void *table, float *out, int64_t count,
                            int64_t rows, int64_t dim, const llmc_services_t *services);
/// llmc_mk_embedding_f32 over a Q4_K table (dim a multiple of 256), rows dequantized.
void llmc_mk_embedding_q4_k(const int32_t *ids, const void *table, float *out, int64_t count,
                            int64_t rows, int64_t dim, const llmc_services_t *services);
/// llmc_mk_embedding_f32 over a Q6_K table (dim a multiple of 256), rows dequantized.
void llmc_mk_embedding_q6_k(const int32_t *ids, const void *table, float *out, int64_t count,
                            int64_t rows, int64_t dim, const llmc_services_t *services);

/// Rotary position embedding as llama.cpp's ggml_rope_ext with ext_factor 0, attn_factor 1 and
/// freq_scale 1. x and y are [t, heads, head_dim] (they may alias); token i is at position
/// start + i. The first n_rot (even, <= head_dim) dims of each head rotate, the rest are copied.
/// Pair c < n_rot / 2 rotates by theta_c = pos * theta_scale^c, accumulated in float as llama.cpp
/// does (theta_scale = freq_base^(-2 / n_rot)); mode 0 ("normal", llama) rotates (x[2c],
/// x[2c + 1]), mode 2 ("neox", qwen2) rotates (x[c], x[c + n_rot / 2]). cos and sin are evaluated
/// in double (with double range reduction) and rounded to float.
void llmc_mk_rope(const float *x, float *y, int64_t t, int64_t heads, int64_t head_dim,
                  int64_t n_rot, float freq_base, int64_t mode, int64_t start,
                  const llmc_services_t *services);

/// Causal grouped-query attention over a KV cache. q and out are [t, heads, d]; k_cache and
/// v_cache are [ctx, kv_heads, d], of which only rows < start + t are read. Query head h uses kv
/// head h / (heads / kv_heads); query i (position start + i) attends to cache rows 0 .. start + i:
/// out = softmax(scale * q . k) @ v, with the softmax max-subtracted in f32 (computed online over
/// chunks of keys, rescaling when the running maximum grows) and an exp accurate to about 1 ulp.
void llmc_mk_attention(const float *q, const float *k_cache, const float *v_cache, float *out,
                       int64_t t, int64_t heads, int64_t kv_heads, int64_t d, int64_t start,
                       int64_t ctx, float scale, const llmc_services_t *services);

/// Scaled dot-product attention over whole sequences (llm.attention), flash-attention style.
/// q is [q_batch, tq, q_heads, d], k [k_batch, tk, k_heads, d], v [v_batch, tk, v_heads, dv]
/// and out [batch, tq, heads, dv]; an operand's batch or head count is 1 (shared) or the
/// output's. out = softmax(mask(scale * q . k^T)) . v over the keys. mask_kind 0: no mask;
/// 1: `mask` is bytes, nonzero keeps the score and zero replaces it by `fill`; 2: `mask` is
/// floats added to the scaled scores. The mask element of (b, h, i, j) is at
/// b * mask_b + h * mask_h + i * mask_q + j * mask_k (a stride of 0 broadcasts).
void llmc_mk_attention_f32(const float *q, const float *k, const float *v, const void *mask,
                           float *out, int64_t batch, int64_t tq, int64_t tk, int64_t heads,
                           int64_t d, int64_t dv, int64_t q_batch, int64_t q_heads, int64_t k_batch,
                           int64_t k_heads, int64_t v_batch, int64_t v_heads, int64_t mask_kind,
                           int64_t mask_b, int64_t mask_h, int64_t mask_q, int64_t mask_k,
                           float scale, float fill, const llmc_services_t *services);

/// Layer normalization of each of `rows` rows of n f32 elements (row-major, contiguous):
/// y = (x - mean) / sqrt(var + epsilon) * scale + bias, with mean and var (the mean of the
/// squared deviations, taken in a second pass over the row) in f32. scale and bias have n
/// elements; bias may be NULL. x and y may alias. Nothing is written when n is 0.
void llmc_mk_layer_norm_f32(const float *x, const float *scale, const float *bias, float *y,
                            int64_t rows, int64_t n, float epsilon,
                            const llmc_services_t *services);
/// llmc_mk_layer_norm_f32 without a bias (the compiler passes only buffers, never NULL).
void llmc_mk_layer_norm_nobias_f32(const float *x, const float *scale, float *y, int64_t rows,
                                   int64_t n, float epsilon, const llmc_services_t *services);
/// Root-mean-square normalization of each of `rows` rows of n f32 elements:
/// y = x / sqrt(mean(x^2) + epsilon) * scale, scale of n elements. x and y may alias.
void llmc_mk_rms_norm_f32(const float *x, const float *scale, float *y, int64_t rows, int64_t n,
                          float epsilon, const llmc_services_t *services);
/// Softmax of each of `rows` rows of n f32 elements: y = exp(x - max) / sum(exp(x - max)), with
/// the exp of llmc_mk_attention (about 1 ulp; 0 below -87.3, so -inf and huge negative inputs
/// give 0) and a division per element. A row whose maximum is +inf or NaN, or that is all -inf,
/// gives NaN, as the definition does. x and y may alias.
void llmc_mk_softmax_f32(const float *x, float *y, int64_t rows, int64_t n,
                         const llmc_services_t *services);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // LLMC_KERNELS_H_
