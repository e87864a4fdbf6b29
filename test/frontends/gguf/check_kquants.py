#!/usr/bin/python3
"""Checks llama_reference.py's Q4_K and Q6_K dequantizers on hand-made blocks.

The block bytes are spelled out below and the expected values were worked out by hand from
ggml-quants.c (dequantize_row_q4_K with get_scale_min_k4, dequantize_row_q6_K), so neither
side comes from the make_gguf.py packer. Prints one line per block; exits 1 on a mismatch.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import dequantize  # noqa: E402

Q4_K, Q6_K = 12, 14
failures = 0


def check(label, got, expected):
    """expected: {element index: value}; every value is exact in float32."""
    global failures
    bad = [(i, got[i], v) for i, v in expected.items() if got[i] != v]
    for i, g, v in bad:
        print(f"{label}: element {i} is {g!r}, expected {v!r}")
    failures += len(bad)
    print(f"{label}: {len(expected) - len(bad)}/{len(expected)} values as expected")


# Q4_K block 1: d = 0.5 (f16 0x3800), dmin = 0.25 (f16 0x3400).
# Scales 1 2 3 4 17 33 50 63 and mins 0 5 10 63 16 32 48 1, packed by hand:
#   bytes 0..3  = scale[j] | (scale[j+4] >> 4) << 6 = 0x41 0x82 0xC3 0xC4
#   bytes 4..7  = min[j]   | (min[j+4]   >> 4) << 6 = 0x40 0x85 0xCA 0x3F
#   bytes 8..11 = (scale[j+4] & 15) | (min[j+4] & 15) << 4 = 0x01 0x01 0x02 0x1F
# Quant byte 32c + l (c < 4, l < 32) = (l % 16) | (15 - l % 16) << 4: element 64c + l is its low
# nibble l % 16 (sub-block 2c), element 64c + 32 + l its high nibble 15 - l % 16 (sub-block 2c+1).
q4k = bytes([0x00, 0x38, 0x00, 0x34,
             0x41, 0x82, 0xC3, 0xC4, 0x40, 0x85, 0xCA, 0x3F, 0x01, 0x01, 0x02, 0x1F])
q4k += bytes((l % 16) | (15 - l % 16) << 4 for _ in range(4) for l in range(32))
# Q4_K block 2: d = 1.0 (0x3C00), dmin = 2^-16 (f16 subnormal 0x0100), every scale 63 and every
# min 1: bytes 0..3 = 0xFF (scale 63, top bits 3 for scales 4..7), bytes 4..7 = 0x01 (min 1, top
# bits 0 for mins 4..7), bytes 8..11 = 0x1F; every quant 15 (0xFF). 63*15 - 2^-16 is
# 944.9999847 in float64, but float32's spacing at 945 is 2^-14, and ggml computes in float32.
q4k += bytes([0x00, 0x3C, 0x00, 0x01,
              0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01, 0x01, 0x01, 0x1F, 0x1F, 0x1F, 0x1F])
q4k += bytes([0xFF] * 128)
assert len(q4k) == 2 * 144
got = dequantize(q4k, 0, Q4_K, 512)
check("Q4_K block 1", got, {
    0: 0.0,        # sub-block 0, q = 0: 0.5*1*0 - 0.25*0
    1: 0.5,        # q = 1: 0.5*1*1
    15: 7.5,       # q = 15: 0.5*1*15
    32: 13.75,     # sub-block 1, q = 15: 0.5*2*15 - 0.25*5
    47: -1.25,     # q = 0: -0.25*5
    70: 6.5,       # sub-block 2, q = 6: 0.5*3*6 - 0.25*10
    100: 6.25,     # sub-block 3, q = 15-4: 0.5*4*11 - 0.25*63
    133: 38.5,     # sub-block 4, q = 5: 0.5*17*5 - 0.25*16
    165: 157.0,    # sub-block 5, q = 15-5: 0.5*33*10 - 0.25*32
    191: -8.0,     # q = 0: -0.25*32
    200: 188.0,    # sub-block 6, q = 8: 0.5*50*8 - 0.25*48
    240: 472.25,   # sub-block 7, q = 15: 0.5*63*15 - 0.25*1
    255: -0.25,    # q = 0: -0.25*1
})
# Every value of block 1, from the scales and mins above rather than from the packed bytes.
scales, mins = [1, 2, 3, 4, 17, 33, 50, 63], [0, 5, 10, 63, 16, 32, 48, 1]
whole = {}
for c in range(4):
    for l in range(32):
        whole[64 * c + l] = 0.5 * scales[2 * c] * (l % 16) - 0.25 * mins[2 * c]
        whole[64 * c + 32 + l] = 0.5 * scales[2 * c + 1] * (15 - l % 16) - 0.25 * mins[2 * c + 1]
check("Q4_K block 1, all values", got, whole)
check("Q4_K block 2", got, {256 + i: 945.0 for i in range(256)})

# Q6_K block: 128 bytes ql, ql[i] = (i % 16) | (15 - i % 16) << 4; 64 bytes qh, all 0xE4 (bit
# pairs 0, 1, 2, 3 from the bottom); scales 1 -1 2 -2 3 -3 4 -4 5 -5 6 -6 7 -7 8 -128; d = 0.5.
# In each half of 128 values, l < 32: value l is low nibble l % 16 topped by 0 (q - 32 =
# l%16 - 32), value 32+l low nibble of byte l+32 topped by 1 (l%16 - 16), value 64+l high
# nibble 15 - l%16 topped by 2 (15 - l%16), value 96+l high nibble topped by 3 (31 - l%16).
# Value i is d * scale[i // 16] * (q - 32).
q6_scales = [1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -128]
q6k = bytes((i % 16) | (15 - i % 16) << 4 for i in range(128)) + bytes([0xE4] * 64)
q6k += bytes(s & 0xFF for s in q6_scales) + bytes([0x00, 0x38])
assert len(q6k) == 210
got = dequantize(q6k, 0, Q6_K, 256)
check("Q6_K block", got, {
    0: -16.0,      # scale 1, q-32 = -32
    17: 15.5,      # scale -1, q-32 = 1 - 32
    40: -8.0,      # scale 2, q-32 = 8 - 16
    70: 13.5,      # scale 3, q-32 = 15 - 6
    127: -32.0,    # scale -4, q-32 = 31 - 15
    150: 65.0,     # scale -5, q-32 = 6 - 32
    200: 24.5,     # scale 7, q-32 = 15 - 8
    255: -1024.0,  # scale -128, q-32 = 31 - 15
})
whole = {}
for half in range(2):
    for l in range(32):
        for k, q in enumerate([l % 16 - 32, l % 16 - 16, 15 - l % 16, 31 - l % 16]):
            i = 128 * half + 32 * k + l
            whole[i] = 0.5 * q6_scales[i // 16] * q
check("Q6_K block, all values", got, whole)
sys.exit(1 if failures else 0)
