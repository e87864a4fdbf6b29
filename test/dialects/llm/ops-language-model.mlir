// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @layer
func.func @layer(%tokens: tensor<?xi32>, %start: tensor<i64>, %table: tensor<64x64x!llm.ggml<q8_0>>,
                 %wq: tensor<64x64x!llm.ggml<q4_0>>, %wk: tensor<32x64xf16>, %wv: tensor<32x64xbf16>,
                 %k: tensor<16x2x16xf32>, %v: tensor<16x2x16xf32>) -> tensor<?x4x16xf32> {
  // CHECK: llm.embedding %{{.*}}[%{{.*}}] : (tensor<64x64x!llm.ggml<q8_0>>, tensor<?xi32>) -> tensor<?x64xf32>
  %x = llm.embedding %table[%tokens] : (tensor<64x64x!llm.ggml<q8_0>>, tensor<?xi32>) -> tensor<?x64xf32>
  // CHECK: llm.linear %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<64x64x!llm.ggml<q4_0>>) -> tensor<?x64xf32>
  %q = llm.linear %x, %wq : (tensor<?x64xf32>, tensor<64x64x!llm.ggml<q4_0>>) -> tensor<?x64xf32>
  %kr = llm.linear %x, %wk : (tensor<?x64xf32>, tensor<32x64xf16>) -> tensor<?x32xf32>
  %vr = llm.linear %x, %wv : (tensor<?x64xf32>, tensor<32x64xbf16>) -> tensor<?x32xf32>
  %q3 = llm.reshape %q : tensor<?x64xf32> -> tensor<?x4x16xf32>
  %k3 = llm.reshape %kr : tensor<?x32xf32> -> tensor<?x2x16xf32>
  %v3 = llm.reshape %vr : tensor<?x32xf32> -> tensor<?x2x16xf32>
  // CHECK: llm.rope %{{.*}}, %{{.*}} {freq_base = 1.000000e+04 : f64, mode = "normal", rotary_dims = 16 : i64}
  %qr = llm.rope %q3, %start {freq_base = 10000.0 : f64, mode = "normal", rotary_dims = 16 : i64} : (tensor<?x4x16xf32>, tensor<i64>) -> tensor<?x4x16xf32>
  // CHECK: llm.rope %{{.*}}, %{{.*}} {freq_base = 1.000000e+06 : f64, mode = "neox", rotary_dims = 8 : i64}
  %kr3 = llm.rope %k3, %start {freq_base = 1000000.0 : f64, mode = "neox", rotary_dims = 8 : i64} : (tensor<?x2x16xf32>, tensor<i64>) -> tensor<?x2x16xf32>
  // CHECK: llm.cache_write %{{.*}}, %{{.*}}, %{{.*}} : (tensor<16x2x16xf32>, tensor<?x2x16xf32>, tensor<i64>) -> tensor<16x2x16xf32>
  %k1 = llm.cache_write %k, %kr3, %start : (tensor<16x2x16xf32>, tensor<?x2x16xf32>, tensor<i64>) -> tensor<16x2x16xf32>
  %v1 = llm.cache_write %v, %v3, %start : (tensor<16x2x16xf32>, tensor<?x2x16xf32>, tensor<i64>) -> tensor<16x2x16xf32>
  // CHECK: llm.cached_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f64}
  %o = llm.cached_attention %qr, %k1, %v1, %start {scale = 0.25 : f64} : (tensor<?x4x16xf32>, tensor<16x2x16xf32>, tensor<16x2x16xf32>, tensor<i64>) -> tensor<?x4x16xf32>
  return %o : tensor<?x4x16xf32>
}

// CHECK-LABEL: func.func @ggml_formats
// CHECK-SAME: tensor<8x256x!llm.ggml<q4_k>>, %{{.*}}: tensor<8x256x!llm.ggml<q6_k>>
func.func @ggml_formats(%a: tensor<8x256x!llm.ggml<q4_k>>, %b: tensor<8x256x!llm.ggml<q6_k>>) {
  return
}

// CHECK-LABEL: func.func @kernel
func.func @kernel(%x: tensor<1x64xf32>, %w: tensor<8x68xi8>, %init: tensor<1x8xf32>, %m: i64, %s: f32) -> tensor<1x8xf32> {
  // CHECK: llm.microkernel "llmc_mk_linear_q8_0" ins(%{{.*}}, %{{.*}} : tensor<1x64xf32>, tensor<8x68xi8>) outs(%{{.*}} : tensor<1x8xf32>) scalars(%{{.*}}, %{{.*}} : i64, f32) -> tensor<1x8xf32>
  %y = llm.microkernel "llmc_mk_linear_q8_0" ins(%x, %w : tensor<1x64xf32>, tensor<8x68xi8>) outs(%init : tensor<1x8xf32>) scalars(%m, %s : i64, f32) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x?x4x64xf32>, %k: tensor<?x?x4x64xf32>, %v: tensor<?x?x4x32xf32>,
                     %keep: tensor<1x1x?x?xi1>, %add: tensor<?x1x1x?xf32>, %kv1: tensor<?x?x1x64xf32>)
    -> (tensor<?x?x4x32xf32>, tensor<?x?x4x32xf32>, tensor<?x?x4x64xf32>) {
  // CHECK: llm.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask_fill = -1.000000e+04 : f64, scale = 1.250000e-01 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x32xf32>, tensor<1x1x?x?xi1>) -> tensor<?x?x4x32xf32>
  %0 = llm.attention %q, %k, %v, %keep {scale = 0.125 : f64, mask_fill = -1.0e4 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x32xf32>, tensor<1x1x?x?xi1>) -> tensor<?x?x4x32xf32>
  // CHECK: llm.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale = 1.250000e-01 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x32xf32>, tensor<?x1x1x?xf32>) -> tensor<?x?x4x32xf32>
  %1 = llm.attention %q, %k, %v, %add {scale = 0.125 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x4x64xf32>, tensor<?x?x4x32xf32>, tensor<?x1x1x?xf32>) -> tensor<?x?x4x32xf32>
  // One kv head shared by the four query heads, no mask.
  // CHECK: llm.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 1.000000e+00 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x1x64xf32>, tensor<?x?x1x64xf32>) -> tensor<?x?x4x64xf32>
  %2 = llm.attention %q, %kv1, %kv1 {scale = 1.0 : f64} : (tensor<?x?x4x64xf32>, tensor<?x?x1x64xf32>, tensor<?x?x1x64xf32>) -> tensor<?x?x4x64xf32>
  return %0, %1, %2 : tensor<?x?x4x32xf32>, tensor<?x?x4x32xf32>, tensor<?x?x4x64xf32>
}
