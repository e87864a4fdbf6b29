// RUN: llmc-opt %s --llmc-optimize --llmc-lower-cpu | FileCheck %s

// The whole CPU pipeline ends in the LLVM dialect with a C-interface entry point taking the
// results, the inputs, the scratch arena and the services table, and calls nothing outside.
// CHECK: llvm.func @_mlir_ciface_model(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-NOT: llvm.func @{{(malloc|free|memcpy|expf|tanhf|fmodf)}}
// CHECK-NOT: llvm.call @{{(malloc|free|memcpy|expf|tanhf)}}
func.func @model(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3x3x3xf32>
  %0 = llm.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %1 = llm.tanh %0 : tensor<1x4x8x8xf32>
  %2 = llm.max_pool %1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x4x4xf32>
  return %2 : tensor<1x4x4x4xf32>
}
