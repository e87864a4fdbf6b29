// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg --verify-diagnostics | FileCheck %s

// Broadcasting lives in the indexing maps: the [3] operand is read along the last dim.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = llm.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Integer division never traps: x / 0 is 0 and x / -1 is -x.
// CHECK-LABEL: func.func @div_int
// CHECK: arith.cmpi eq
// CHECK: arith.cmpi eq
// CHECK: arith.divsi
// CHECK: arith.select
func.func @div_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = llm.div %a, %b : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.tanh
func.func @unary(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = llm.relu %x : tensor<4xf32>
  %1 = llm.sigmoid %0 : tensor<4xf32>
  %2 = llm.tanh %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul_batch_broadcast(%a: tensor<4x16x32xf32>, %b: tensor<32x8xf32>) -> tensor<4x16x8xf32> {
  %0 = llm.matmul %a, %b : tensor<4x16x32xf32>, tensor<32x8xf32> -> tensor<4x16x8xf32>
  return %0 : tensor<4x16x8xf32>
}

// -----

// f32 products of rank-2 operands call the GEMM kernel with m, n and k; dynamic sizes come from
// the operands. Small static ones stay linalg loops.
// CHECK-LABEL: func.func @matmul_kernel
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<64x48xf32>
// CHECK: llm.microkernel "llmc_mk_matmul_f32" ins(%arg0, %arg1 : tensor<64x32xf32>, tensor<32x48xf32>) outs(%[[INIT]] : tensor<64x48xf32>) scalars(%c64_i64, %c48_i64, %c32_i64 : i64, i64, i64)
func.func @matmul_kernel(%a: tensor<64x32xf32>, %b: tensor<32x48xf32>) -> tensor<64x48xf32> {
  %0 = llm.matmul %a, %b : tensor<64x32xf32>, tensor<32x48xf32> -> tensor<64x48xf32>
  return %0 : tensor<64x48xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_kernel_dynamic
// CHECK-DAG: %[[M:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[N:.*]] = tensor.dim %arg1, %c1
// CHECK: %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf32>
// CHECK: llm.microkernel "llmc_mk_matmul_f32" ins(%arg0, %arg1 : tensor<?x8xf32>, tensor<8x?xf32>) outs(%[[INIT]] : tensor<?x?xf32>) scalars(%{{.*}}, %{{.*}}, %c8_i64 : i64, i64, i64)
func.func @matmul_kernel_dynamic(%a: tensor<?x8xf32>, %b: tensor<8x?xf32>) -> tensor<?x?xf32> {
  %0 = llm.matmul %a, %b : tensor<?x8xf32>, tensor<8x?xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// The leading dims of a [..., M, K] operand are more rows for the kernel: m = 2 * ? * 64.
// CHECK-LABEL: func.func @matmul_kernel_batched
// CHECK: %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[INIT:.*]] = tensor.empty(%[[T]]) : tensor<2x?x48xf32>
// CHECK: llm.microkernel "llmc_mk_matmul_f32" ins(%arg0, %arg1 : tensor<2x?x64xf32>, tensor<64x48xf32>) outs(%[[INIT]] : tensor<2x?x48xf32>) scalars(%{{.*}}, %c48_i64, %c64_i64 : i64, i64, i64)
func.func @matmul_kernel_batched(%a: tensor<2x?x64xf32>, %b: tensor<64x48xf32>) -> tensor<2x?x48xf32> {
  %0 = llm.matmul %a, %b : tensor<2x?x64xf32>, tensor<64x48xf32> -> tensor<2x?x48xf32>
  return %0 : tensor<2x?x48xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_small_stays_linalg
// CHECK-NOT: llm.microkernel
// CHECK: linalg.generic
func.func @matmul_small_stays_linalg(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = llm.matmul %a, %b : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

// Strides and dilations are in the input map; padding is a tensor.pad; the bias seeds the sum.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5 * 2, d3 * 2 + d6 * 2)>
// CHECK-LABEL: func.func @conv_strided_dilated
// CHECK: tensor.pad %{{.*}} low[0, 0, 2, 2] high[0, 0, 2, 2]
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
func.func @conv_strided_dilated(%x: tensor<1x3x16x16xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x8x8xf32> {
  %0 = llm.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, groups = 1 : i64}
      : (tensor<1x3x16x16xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

// Groups become a loop of their own over expanded operands.
// CHECK-LABEL: func.func @conv_depthwise
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 4, 1, 6, 6]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [4, 1, 1, 3, 3]
// CHECK: linalg.generic
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x4x1x4x4xf32> into tensor<1x4x4x4xf32>
func.func @conv_depthwise(%x: tensor<1x4x6x6xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %0 = llm.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 4 : i64}
      : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Max pooling pads with -inf; average pooling divides by a per-position count computed at
// compile time (4 at corners, 6 on edges, 9 inside for a 3x3 window with pad 1).
// CHECK-LABEL: func.func @pools
// CHECK-DAG: arith.constant 0xFF800000 : f32
// CHECK-DAG: arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 4.000000e+00]]> : tensor<3x3xf32>
// CHECK: arith.maximumf
// CHECK: arith.divf
func.func @pools(%x: tensor<1x1x3x3xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) {
  %0 = llm.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  %1 = llm.avg_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  return %0, %1 : tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_mean_keep_dims
// CHECK-DAG: arith.constant 3.000000e+00 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 1, 4] : tensor<2x4xf32> into tensor<2x1x4xf32>
func.func @reduce_mean_keep_dims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %0 = llm.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// Softmax subtracts the maximum before exp. (Over the last axis, f32 softmax calls the row
// kernel: convert-llm-to-linalg-normalization.mlir.)
// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = llm.softmax %x {axis = 0 : i64} : tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3xf32>) outs(%{{.*}} : tensor<3x2xf32>) permutation = [1, 0]
// CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<2x3xf32>, tensor<1xindex>) -> tensor<6xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0] [2, 3] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[2, 0] [2, 3] [1, 1]
func.func @data_movement(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<6xf32>, tensor<4x3xf32>) {
  %0 = llm.transpose %x {permutation = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = llm.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %2 = llm.concat %x, %x {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0, %1, %2 : tensor<3x2xf32>, tensor<6xf32>, tensor<4x3xf32>
}

// -----

// Gather normalizes negative indices and clamps the rest into range.
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic
// CHECK: arith.index_cast
// CHECK: arith.cmpi slt
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<5x4xf32>
func.func @gather(%x: tensor<5x4xf32>, %i: tensor<3xi64>) -> tensor<3x4xf32> {
  %0 = llm.gather %x[%i] {axis = 0 : i64} : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A quantized operand is read as its real value: it is dequantized first, and the stored
// integers become a signless tensor.
// CHECK-LABEL: func.func @quantized
// CHECK-SAME: (%[[A:.*]]: tensor<4xi8>, %{{.*}}: tensor<4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[A]] : tensor<4xi8>)
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @quantized(%a: tensor<4x!quant.uniform<i8:f32, 0.5>>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = llm.add %a, %b : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// argmax carries the best value and its index through one reduction.
// CHECK-LABEL: func.func @argmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xi64>)
// CHECK: arith.cmpf ogt
// CHECK: linalg.index 1
// CHECK: tensor.expand_shape
func.func @argmax(%x: tensor<3x4xf32>) -> tensor<3x1xi64> {
  %0 = llm.argmax %x {axis = 1 : i64, keep_dims = true} : tensor<3x4xf32> -> tensor<3x1xi64>
  return %0 : tensor<3x1xi64>
}

// -----

// CHECK-LABEL: func.func @select_compare
// CHECK: arith.cmpf olt
// CHECK: arith.select
func.func @select_compare(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = llm.less %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xi1>
  %1 = llm.select %0, %a, %b : tensor<4xi1>, tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// A slice reads input[start + i * step] per dim.
// CHECK-LABEL: func.func @slice_reversed
// CHECK-DAG: arith.constant -1 : index
// CHECK-DAG: arith.constant 4 : index
// CHECK: linalg.index 0
// CHECK: tensor.extract
func.func @slice_reversed(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = llm.slice %x {starts = array<i64: 4>, ends = array<i64: -1>, steps = array<i64: -1>} : tensor<5xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<3x1xi64>)
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: arith.maxsi
// CHECK: %[[COL:.*]] = arith.minsi
// CHECK: tensor.extract %{{.*}}[%[[ROW]], %[[COL]]] : tensor<3x5xf32>
func.func @gather_elements(%x: tensor<3x5xf32>, %i: tensor<3x1xi64>) -> tensor<3x1xf32> {
  %0 = llm.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x5xf32>, tensor<3x1xi64>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

// Sizes come from the shape at run time; size-1 input dims are read at 0.
// CHECK-LABEL: func.func @broadcast_to
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<2xi64>
// CHECK: tensor.empty(%{{.*}}) : tensor<?x4xf32>
// CHECK: linalg.generic
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}} : tensor<1x4xf32>
func.func @broadcast_to(%x: tensor<1x4xf32>, %s: tensor<2xi64>) -> tensor<?x4xf32> {
  %0 = llm.broadcast_to %x(%s : tensor<2xi64>) : tensor<1x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A constant weight is packed at compile time into the kernel's panels of 32 columns (here one
// panel: 2 rows of 32 floats, columns past 3 zero) and the product calls the pre-packed kernel.
// CHECK-LABEL: func.func @matmul_kernel_packed
// CHECK: %[[W:.*]] = arith.constant dense_resource<packed> : tensor<64xf32>
// CHECK: llm.microkernel "llmc_mk_matmul_f32_packed" ins(%arg0, %[[W]] : tensor<?x2xf32>, tensor<64xf32>)
func.func @matmul_kernel_packed(%a: tensor<?x2xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = llm.matmul %a, %w : tensor<?x2xf32>, tensor<2x3xf32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
// The panel's first row is B's row 0 (1, 2, 3, then zeros), its second B's row 1 (4, 5, 6).
// CHECK: packed: "0x400000000000803F0000004000004040{{(00000000)+}}000080400000A0400000C040{{(00000000)+}}"

// -----

// Attention calls the flash-style kernel: the operands' batch and head counts, the mask's
// strides over the scores (an i1 [1, 1, Tq, Tk] mask: 0, 0, Tk, 1), the scale and the fill.
// CHECK-LABEL: func.func @attention_kernel
// CHECK: cf.assert
// CHECK: %[[INIT:.*]] = tensor.empty({{.*}}) : tensor<?x?x4x16xf32>
// CHECK: llm.microkernel "llmc_mk_attention_f32" ins(%arg0, %arg1, %arg2, %arg3 : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<1x1x?x?xi1>) outs(%[[INIT]] : tensor<?x?x4x16xf32>)
// CHECK-SAME: %c1_i64
// CHECK-SAME: %cst{{.*}}, %cst{{.*}} : i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32, f32)
func.func @attention_kernel(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>, %m: tensor<1x1x?x?xi1>) -> tensor<?x?x4x16xf32> {
  %0 = llm.attention %q, %k, %v, %m {scale = 0.25 : f64, mask_fill = -1.0e4 : f64} : (tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<1x1x?x?xi1>) -> tensor<?x?x4x16xf32>
  return %0 : tensor<?x?x4x16xf32>
}

// -----

// A large enough convolution of one image is a GEMM: the im2col kernel unfolds the image into
// columns [C*KH*KW, OH*OW] (sizes, strides, dilations and the top and left padding as
// scalars), the weight collapsed to [F, C*KH*KW] times the columns runs on the GEMM kernel,
// the bias per filter in the kernel's epilogue (flag 2), then the NCHW result.
// CHECK-LABEL: func.func @conv_gemm
// CHECK: %[[COLS:.*]] = llm.microkernel "llmc_mk_im2col_f32" ins(%arg0 : tensor<1x16x32x32xf32>) outs(%{{.*}} : tensor<144x256xf32>) scalars(%c16_i64, %c32_i64, %c32_i64, %c3_i64, %c3_i64, %c16_i64, %c16_i64, %c2_i64, %c2_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64 :
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<32x16x3x3xf32> into tensor<32x144xf32>
// CHECK: llm.microkernel "llmc_mk_matmul_f32_epilogue" ins(%[[W]], %[[COLS]], %arg2 : tensor<32x144xf32>, tensor<144x256xf32>, tensor<32xf32>) outs(%{{.*}} : tensor<32x256xf32>) scalars(%c32_i64, %c256_i64, %c144_i64, %c2_i64 :
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 32, 16, 16] : tensor<32x256xf32> into tensor<1x32x16x16xf32>
func.func @conv_gemm(%x: tensor<1x16x32x32xf32>, %w: tensor<32x16x3x3xf32>, %b: tensor<32xf32>) -> tensor<1x32x16x16xf32> {
  %0 = llm.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
      : (tensor<1x16x32x32xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>) -> tensor<1x32x16x16xf32>
  return %0 : tensor<1x32x16x16xf32>
}

// -----

// A 1x1 convolution with unit strides and no padding reads the image itself as the columns.
// CHECK-LABEL: func.func @conv_gemm_pointwise
// CHECK-NOT: linalg.generic
// CHECK: %[[COLS:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x64x16x16xf32> into tensor<64x256xf32>
// CHECK: llm.microkernel "llmc_mk_matmul_f32" ins(%{{.*}}, %[[COLS]] : tensor<32x64xf32>, tensor<64x256xf32>)
func.func @conv_gemm_pointwise(%x: tensor<1x64x16x16xf32>, %w: tensor<32x64x1x1xf32>) -> tensor<1x32x16x16xf32> {
  %0 = llm.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 1 : i64}
      : (tensor<1x64x16x16xf32>, tensor<32x64x1x1xf32>) -> tensor<1x32x16x16xf32>
  return %0 : tensor<1x32x16x16xf32>
}

// -----

// A dense layer: the constant weight pre-packed and the bias added by the kernel's epilogue
// (flag 1, per column); a bias computed after the product stays an add.
// CHECK-LABEL: func.func @matmul_bias_epilogue
// CHECK: %[[B:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1]] : tensor<1x3xf32> into tensor<3xf32>
// CHECK: %[[Y:.*]] = llm.microkernel "llmc_mk_matmul_f32_packed_epilogue" ins(%arg0, %{{.*}}, %[[B]] : tensor<?x2xf32>, tensor<64xf32>, tensor<3xf32>) outs(%{{.*}}) scalars(%{{.*}}, %c3_i64, %c2_i64, %c1_i64 :
// CHECK: llm.microkernel "llmc_mk_matmul_f32_packed" ins
// CHECK: linalg.generic
// CHECK: return %[[Y]]
func.func @matmul_bias_epilogue(%a: tensor<?x2xf32>, %b: tensor<1x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = llm.matmul %a, %w : tensor<?x2xf32>, tensor<2x3xf32> -> tensor<?x3xf32>
  %1 = llm.add %0, %b : tensor<?x3xf32>, tensor<1x3xf32> -> tensor<?x3xf32>
  %2 = llm.matmul %a, %w : tensor<?x2xf32>, tensor<2x3xf32> -> tensor<?x3xf32>
  %late = llm.exp %b : tensor<1x3xf32>
  %3 = llm.add %late, %2 : tensor<1x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  return %1, %3 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// A ReLU that is the only user of a product, of its bias add, or of a convolution goes into the
// GEMM kernel's epilogue (flag 4, with the bias: 5 per column, 6 per row).
// CHECK-LABEL: func.func @relu_epilogues
// CHECK: llm.microkernel "llmc_mk_matmul_f32_epilogue" ins(%arg0, %arg1, %arg0 : tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) {{.*}} scalars(%c64_i64, %c64_i64, %c64_i64, %c4_i64 :
// CHECK: llm.microkernel "llmc_mk_matmul_f32_epilogue" ins(%arg0, %arg1, %arg2 : {{.*}}) {{.*}} scalars(%c64_i64, %c64_i64, %c64_i64, %c5_i64 :
// CHECK: llm.microkernel "llmc_mk_matmul_f32_epilogue" ins(%{{.*}}, %{{.*}}, %arg5 : tensor<32x144xf32>, tensor<144x256xf32>, tensor<32xf32>) {{.*}} scalars(%c32_i64, %c256_i64, %c144_i64, %c6_i64 :
// CHECK-NOT: linalg.generic
func.func @relu_epilogues(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %bias: tensor<64xf32>,
                          %x: tensor<1x16x32x32xf32>, %w: tensor<32x16x3x3xf32>, %cb: tensor<32xf32>)
    -> (tensor<64x64xf32>, tensor<64x64xf32>, tensor<1x32x16x16xf32>) {
  %0 = llm.matmul %a, %b : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %1 = llm.relu %0 : tensor<64x64xf32>
  %2 = llm.matmul %a, %b : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %3 = llm.add %2, %bias : tensor<64x64xf32>, tensor<64xf32> -> tensor<64x64xf32>
  %4 = llm.relu %3 : tensor<64x64xf32>
  %5 = llm.conv %x, %w, %cb {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
      : (tensor<1x16x32x32xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>) -> tensor<1x32x16x16xf32>
  %6 = llm.relu %5 : tensor<1x32x16x16xf32>
  return %1, %4, %6 : tensor<64x64xf32>, tensor<64x64xf32>, tensor<1x32x16x16xf32>
}

// -----

// An i32 product of a widened 8-bit activation minus its zero point by a constant 8-bit weight
// minus per-column zero points calls the packed integer GEMM: the weight is packed at compile time
// (two panels of 32 columns, k = 40 rounded up to 64: 4096 bytes), with each column's offset (its
// values, 236, are past int8) and correction; A's zero point is read at run time, and its
// signedness is a scalar (1: signed).
// CHECK-LABEL: func.func @integer_matmul_kernel
// CHECK-DAG: %[[W:.*]] = arith.constant dense_resource<{{.*}}> : tensor<4096xi8>
// CHECK-DAG: %[[O:.*]] = arith.constant dense_resource<{{.*}}_offsets> : tensor<33xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense_resource<{{.*}}_corrections> : tensor<33xi32>
// CHECK: %[[Z:.*]] = tensor.extract %arg1[] : tensor<i32>
// CHECK: %[[Z64:.*]] = arith.extsi %[[Z]] : i32 to i64
// CHECK: llm.microkernel "llmc_mk_matmul_u8s8_packed" ins(%arg0, %[[W]], %[[O]], %[[C]] : tensor<70x40xi8>, tensor<4096xi8>, tensor<33xi32>, tensor<33xi32>) outs(%{{.*}} : tensor<70x33xi32>) scalars(%{{.*}}, %{{.*}}, %{{.*}}, %[[Z64]], %{{.*}} : i64, i64, i64, i64, i64)
func.func @integer_matmul_kernel(%a: tensor<70x40xi8>, %az: tensor<i32>) -> tensor<70x33xi32> {
  %w = arith.constant dense<253> : tensor<40x33xui8>
  %wz = arith.constant dense<17> : tensor<33xi32>
  %0 = llm.cast %a : tensor<70x40xi8> to tensor<70x40xi32>
  %1 = llm.sub %0, %az : tensor<70x40xi32>, tensor<i32> -> tensor<70x40xi32>
  %2 = llm.cast %w : tensor<40x33xui8> to tensor<40x33xi32>
  %3 = llm.sub %2, %wz : tensor<40x33xi32>, tensor<33xi32> -> tensor<40x33xi32>
  %4 = llm.matmul %1, %3 : tensor<70x40xi32>, tensor<40x33xi32> -> tensor<70x33xi32>
  return %4 : tensor<70x33xi32>
}

// -----

// A weight that is not a constant keeps the i32 linalg lowering.
// CHECK-LABEL: func.func @integer_matmul_runtime_weight
// CHECK-NOT: llm.microkernel
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK-NOT: llm.microkernel
// CHECK: return
func.func @integer_matmul_runtime_weight(%a: tensor<70x40xui8>, %w: tensor<40x33xi8>) -> tensor<70x33xi32> {
  %0 = llm.cast %a : tensor<70x40xui8> to tensor<70x40xi32>
  %1 = llm.cast %w : tensor<40x33xi8> to tensor<40x33xi32>
  %2 = llm.matmul %0, %1 : tensor<70x40xi32>, tensor<40x33xi32> -> tensor<70x33xi32>
  return %2 : tensor<70x33xi32>
}

// -----

// An i32 convolution of a widened 8-bit image minus its zero point by a constant 8-bit weight:
// the image made channels-last and unfolded into rows (padding with the zero point), the
// integer GEMM by the weight transposed and packed at compile time ([9, 40]: one k group of 64,
// two panels of 32), then one loop that transposes the product to NCHW and adds the bias.
// CHECK-LABEL: func.func @integer_conv_gemm
// CHECK: %[[LAST:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1x1x16x16xi8>) outs(%{{.*}} : tensor<16x16x1xi8>)
// CHECK: %[[Z:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK: %[[ROWS:.*]] = llm.microkernel "llmc_mk_im2row_u8" ins(%[[LAST]] : tensor<16x16x1xi8>) outs(%{{.*}} : tensor<256x9xi8>) scalars({{.*}}, %[[Z]] : {{.*}})
// CHECK: %[[P:.*]] = llm.microkernel "llmc_mk_matmul_u8s8_packed" ins(%[[ROWS]], %{{.*}}, %{{.*}}, %{{.*}} : tensor<256x9xi8>, tensor<4096xi8>, tensor<40xi32>, tensor<40xi32>) outs(%{{.*}} : tensor<256x40xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[P]], %arg2 : tensor<256x40xi32>, tensor<40xi32>) outs(%{{.*}} : tensor<40x256xi32>)
// CHECK: arith.addi
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 40, 16, 16] : tensor<40x256xi32> into tensor<1x40x16x16xi32>
func.func @integer_conv_gemm(%x: tensor<1x1x16x16xui8>, %xz: tensor<i32>, %b: tensor<40xi32>) -> tensor<1x40x16x16xi32> {
  %w = arith.constant dense<7> : tensor<40x1x3x3xi8>
  %0 = llm.cast %x : tensor<1x1x16x16xui8> to tensor<1x1x16x16xi32>
  %1 = llm.sub %0, %xz : tensor<1x1x16x16xi32>, tensor<i32> -> tensor<1x1x16x16xi32>
  %2 = llm.cast %w : tensor<40x1x3x3xi8> to tensor<40x1x3x3xi32>
  %3 = llm.conv %1, %2, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
      : (tensor<1x1x16x16xi32>, tensor<40x1x3x3xi32>, tensor<40xi32>) -> tensor<1x40x16x16xi32>
  return %3 : tensor<1x40x16x16xi32>
}
