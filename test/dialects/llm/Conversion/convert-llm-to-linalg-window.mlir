// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// Dynamic batch and spatial sizes: the input is padded with `?` dims, each output size is
// max(0, floor((in + pads - dilated kernel) / stride) + 1) at run time, and groups still split
// the channel dim.
// CHECK-LABEL: func.func @conv_dynamic
// CHECK: %[[PADDED:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 1, 2]
// CHECK: } : tensor<?x4x?x?xf32> to tensor<?x4x?x?xf32>
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[HSPAN:.*]] = arith.addi %[[H]], %c-1
// CHECK: %[[HSHORT:.*]] = arith.cmpi slt, %[[HSPAN]], %c0
// CHECK: arith.divui %{{.*}}, %c2
// CHECK: %[[OH:.*]] = arith.select %[[HSHORT]], %c0, %{{.*}}
// CHECK: %[[W:.*]] = tensor.dim %arg0, %c3
// CHECK: arith.addi %[[W]], %c-3
// CHECK: %[[OW:.*]] = arith.select
// CHECK: tensor.empty(%[[N]], %[[OH]], %[[OW]]) : tensor<?x8x?x?xf32>
// CHECK: tensor.expand_shape %[[PADDED]] {{\[}}[0], [1, 2], [3], [4]] output_shape {{.*}} into tensor<?x2x2x?x?xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<?x2x2x?x?xf32>, tensor<2x4x2x3x3xf32>)
// CHECK: tensor.collapse_shape %{{.*}} : tensor<?x2x4x?x?xf32> into tensor<?x8x?x?xf32>
func.func @conv_dynamic(%x: tensor<?x4x?x?xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>) -> tensor<?x8x?x?xf32> {
  %0 = llm.conv %x, %w, %b {strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 0, 1, 2>, groups = 2 : i64}
      : (tensor<?x4x?x?xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<?x8x?x?xf32>
  return %0 : tensor<?x8x?x?xf32>
}

// -----

// Ceil mode on a dynamic size: the end is padded by stride - 1 more positions with -inf, and a
// last window that would start in the end padding is dropped from the run-time size.
// CHECK-LABEL: func.func @max_pool_ceil
// CHECK: tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 1]
// CHECK: tensor.yield %[[LOWEST:.*]] : f32
// CHECK: %[[IN:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[SPAN:.*]] = arith.addi %[[IN]], %c-2
// CHECK: %[[ROUNDED:.*]] = arith.addi %{{.*}}, %c1
// CHECK: %[[LAST:.*]] = arith.divui %[[ROUNDED]], %c2
// CHECK: %[[START:.*]] = arith.muli %[[LAST]], %c2
// CHECK: %[[END:.*]] = arith.addi %[[IN]], %c1
// CHECK: %[[DROP:.*]] = arith.cmpi sge, %[[START]], %[[END]]
// CHECK: arith.select %[[DROP]]
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @max_pool_ceil(%x: tensor<?x3x?xf32>) -> tensor<?x3x?xf32> {
  %0 = llm.max_pool %x {kernel = array<i64: 3>, strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 1, 0>, ceil_mode = true} : tensor<?x3x?xf32> -> tensor<?x3x?xf32>
  return %0 : tensor<?x3x?xf32>
}

// -----

// Dynamic average pooling: the divisor of each output position is computed from its index, the
// taps inside [pad_begin, pad_begin + in) without count_include_pad.
// CHECK-LABEL: func.func @avg_pool_dynamic
// CHECK: %[[SUMS:.*]] = linalg.generic
// CHECK: arith.addf
// CHECK: %[[IN:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[END:.*]] = arith.addi %[[IN]], %c1
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[SUMS]] : tensor<1x3x?xf32>)
// CHECK: %[[O:.*]] = linalg.index 2
// CHECK: %[[START:.*]] = arith.muli %[[O]], %c2
// CHECK: arith.subi %c1, %[[START]]
// CHECK: arith.subi %[[END]], %[[START]]
// CHECK: arith.uitofp
// CHECK: arith.divf
func.func @avg_pool_dynamic(%x: tensor<1x3x?xf32>) -> tensor<1x3x?xf32> {
  %0 = llm.avg_pool %x {kernel = array<i64: 3>, strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 1, 1>} : tensor<1x3x?xf32> -> tensor<1x3x?xf32>
  return %0 : tensor<1x3x?xf32>
}

// -----

// With count_include_pad the range is the padded input: [0, in + pads).
// CHECK-LABEL: func.func @avg_pool_include_pad
// CHECK: arith.addf
// CHECK: %[[IN:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[END:.*]] = arith.addi %[[IN]], %c3
// CHECK: linalg.index 2
// CHECK: arith.subi %[[END]]
func.func @avg_pool_include_pad(%x: tensor<1x3x?xf32>) -> tensor<1x3x?xf32> {
  %0 = llm.avg_pool %x {kernel = array<i64: 3>, strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 1, 2>, count_include_pad = true} : tensor<1x3x?xf32> -> tensor<1x3x?xf32>
  return %0 : tensor<1x3x?xf32>
}
