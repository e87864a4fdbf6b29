/*===- amx_support.h - AMX tile configuration shared by the AMX kernels ------===
 *
 * Included by the AMX variants (qgemm_amx.h, gemm_bf16.c compiled for AMX-BF16), which are
 * compiled with AMX-TILE. The tile configuration is per thread: a task loads it before its first
 * tile instruction and releases the tiles (_tile_release) at its end.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_AMX_SUPPORT_H_
#define LLMC_AMX_SUPPORT_H_

#include <immintrin.h>

#include "kernel_support.h"

/// The 64-byte memory operand of LDTILECFG, palette 1.
typedef struct {
  uint8_t palette, start_row;
  uint8_t reserved[14];
  uint16_t bytes_per_row[16];
  uint8_t rows[16];
} llmc_tile_config_t;

/// Configures all eight tiles as 16 rows of 64 bytes, the shape every llmc AMX kernel uses.
LLMC_INLINE void llmc_amx_configure_16x64(void) {
  llmc_tile_config_t config;
  __builtin_memset(&config, 0, sizeof(config));
  config.palette = 1;
  for (int i = 0; i < 8; ++i) {
    config.bytes_per_row[i] = 64;
    config.rows[i] = 16;
  }
  _tile_loadconfig(&config);
}

#endif // LLMC_AMX_SUPPORT_H_
