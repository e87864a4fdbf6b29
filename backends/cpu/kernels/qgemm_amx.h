/*===- qgemm_amx.h - The AMX task of qgemm.c ---------------------------------===
 *
 * Included by qgemm.c, after its common pieces, when the build compiles it with
 * -DLLMC_KERNEL_VARIANT_AMX and the AVX-512 F, BW, VL, VNNI, AMX-TILE and AMX-INT8 features. It
 * defines llmc_qgemm_task_amx, which does a task of qgemm.c with AMX's tile registers.
 *
 * All eight tiles are 16 rows of 64 bytes. A 32 x 32 block of C is four int32 tiles (0 to 3);
 * per 64 values of k, two tiles of A (4, 5: 16 rows by 64 unsigned bytes each) and two of B (6,
 * 7: 16 groups of four k by 16 columns, read from the packed panel with its 128-byte row
 * stride) make four TDPBUSD, 65,536 multiply-adds. A is packed for each block of k into 16-row
 * tiles of 64 bytes per row and step of k (zeros past k and past the last row, the sign bit
 * flipped for a signed A), which also gives the rows' sums; blocks at the edges of C go through a
 * local buffer. TDPBUSD does not saturate: the sums wrap modulo 2^32 as the generic kernel's do.
 *
 * The tile configuration is per thread: each task loads it and releases the tiles at its end.
 * Linux hands out the tile state only to a process that asked for it (arch_prctl), which the
 * runtime does when it loads a model built for a CPU with AMX.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_QGEMM_AMX_H_
#define LLMC_QGEMM_AMX_H_

#include "amx_support.h"

/// A 32 x 32 block of C at c (row stride ldc) into tiles 0..3 (zeros when not accumulating).
LLMC_INLINE void llmc_amx_load_c(const int32_t *c, int64_t ldc, bool accumulate) {
  if (!accumulate) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    return;
  }
  _tile_loadd(0, c, ldc * 4);
  _tile_loadd(1, c + 16, ldc * 4);
  _tile_loadd(2, c + 16 * ldc, ldc * 4);
  _tile_loadd(3, c + 16 * ldc + 16, ldc * 4);
}

LLMC_INLINE void llmc_amx_store_c(int32_t *c, int64_t ldc) {
  _tile_stored(0, c, ldc * 4);
  _tile_stored(1, c + 16, ldc * 4);
  _tile_stored(2, c + 16 * ldc, ldc * 4);
  _tile_stored(3, c + 16 * ldc + 16, ldc * 4);
}

LLMC_INLINE void llmc_qgemm_task_amx(const llmc_qgemm_args_t *g, int64_t t) {
  // [16-row tile][step of 64 k][16 rows][64 bytes]
  uint8_t a_pack[LLMC_QGEMM_MC * LLMC_QGEMM_KC] __attribute__((aligned(64)));
  uint32_t rowsum[LLMC_QGEMM_MC];
  int32_t edge[32 * 32] __attribute__((aligned(64)));
  int64_t i0, rows, j0, cols;
  llmc_qgemm_task_bounds(g, t, &i0, &rows, &j0, &cols);
  const int64_t n = g->n, k = g->k;
  const int64_t tiles = (rows + 15) / 16;
  for (int64_t i = 0; i < rows; ++i)
    rowsum[i] = 0;

  llmc_amx_configure_16x64();

  for (int64_t p0 = 0; p0 < k; p0 += LLMC_QGEMM_KC) {
    const int64_t kc = k - p0 < LLMC_QGEMM_KC ? k - p0 : LLMC_QGEMM_KC;
    const int64_t steps = (kc + 63) / 64;
    // Pack the block of A, 16-row tiles of 64 bytes per step of k, with the rows' sums.
    for (int64_t r = 0; r < tiles * 16; ++r) {
      const uint8_t *src = g->a + (i0 + r) * k + p0;
      uint32_t sum = 0;
      for (int64_t s = 0; s < steps; ++s) {
        uint8_t *dst = a_pack + ((r / 16 * steps + s) * 16 + r % 16) * 64;
        const int64_t valid = r >= rows ? 0 : kc - s * 64 < 64 ? kc - s * 64 : 64;
        if (valid == 64) {
          __m512i v = _mm512_loadu_si512(src + s * 64);
          if (g->flip)
            v = _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80));
          _mm512_storeu_si512(dst, v);
          // The sum of 64 unsigned bytes, in four 64-bit lanes of sums of eight.
          sum += (uint32_t)_mm512_reduce_add_epi64(_mm512_sad_epu8(v, _mm512_setzero_si512()));
          continue;
        }
        for (int64_t q = 0; q < 64; ++q) {
          const uint8_t byte = q < valid ? (uint8_t)(src[s * 64 + q] ^ g->flip) : 0;
          dst[q] = byte;
          sum += byte;
        }
      }
      if (r < rows)
        rowsum[r] += sum;
    }
    // Each 32 x 32 block of C: in place when whole, else through `edge`; after the last block
    // of k, through `edge` with the corrections added on the way out.
    const bool last = p0 + kc == k;
    for (int64_t ir = 0; ir < rows; ir += 32) {
      const uint8_t *a0 = a_pack + (ir / 16 * steps) * 1024;
      const uint8_t *a1 = a0 + steps * 1024; // past the packed rows only when ir + 16 >= rows
      for (int64_t jr = 0; jr < cols; jr += 32) {
        const int64_t j = j0 + jr;
        int32_t *c = g->c + (i0 + ir) * n + j;
        const int64_t mr = rows - ir < 32 ? rows - ir : 32, nr = cols - jr < 32 ? cols - jr : 32;
        const bool whole = mr == 32 && nr == 32;
        if (whole) {
          llmc_amx_load_c(c, n, p0 > 0);
        } else {
          for (int64_t i = 0; i < 32; ++i)
            for (int64_t jj = 0; jj < 32; ++jj)
              edge[i * 32 + jj] = p0 > 0 && i < mr && jj < nr ? c[i * n + jj] : 0;
          llmc_amx_load_c(edge, 32, true);
        }
        const int8_t *b = g->b + (j / LLMC_QGEMM_PANEL * g->kp + p0) * LLMC_QGEMM_PANEL;
        for (int64_t s = 0; s < steps; ++s) {
          _tile_loadd(4, a0 + s * 1024, 64);
          _tile_loadd(6, b + s * 64 * LLMC_QGEMM_PANEL, LLMC_QGEMM_PANEL * 4);
          _tile_loadd(7, b + s * 64 * LLMC_QGEMM_PANEL + 64, LLMC_QGEMM_PANEL * 4);
          _tile_dpbusd(0, 4, 6);
          _tile_dpbusd(1, 4, 7);
          if (ir + 16 < tiles * 16) {
            _tile_loadd(5, a1 + s * 1024, 64);
            _tile_dpbusd(2, 5, 6);
            _tile_dpbusd(3, 5, 7);
          }
        }
        if (whole && !last) {
          llmc_amx_store_c(c, n);
          continue;
        }
        llmc_amx_store_c(edge, 32);
        for (int64_t i = 0; i < mr; ++i) {
          const uint32_t sum = last ? rowsum[ir + i] : 0, zero = last ? g->zero : 0;
          for (int64_t jj = 0; jj < nr; ++jj)
            c[i * n + jj] =
                (int32_t)((uint32_t)edge[i * 32 + jj] + (uint32_t)g->offset[j + jj] * sum -
                          zero * (uint32_t)g->corr[j + jj]);
        }
      }
    }
  }
  _tile_release();
}

#endif // LLMC_QGEMM_AMX_H_
