// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @max_pool
func.func @max_pool(%x: tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32> {
  // CHECK: llm.max_pool %{{.*}} {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  %0 = llm.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  return %0 : tensor<1x64x56x56xf32>
}

// CHECK-LABEL: func.func @max_pool_ceil_mode
func.func @max_pool_ceil_mode(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  // CHECK: llm.max_pool %{{.*}} {ceil_mode = true, {{.*}}} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %0 = llm.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// CHECK-LABEL: func.func @avg_pool
func.func @avg_pool(%x: tensor<?x64x56x56xf32>) -> tensor<?x64x28x28xf32> {
  // CHECK: llm.avg_pool %{{.*}} {count_include_pad = true, {{.*}}} : tensor<?x64x56x56xf32> -> tensor<?x64x28x28xf32>
  %0 = llm.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, count_include_pad = true}
      : tensor<?x64x56x56xf32> -> tensor<?x64x28x28xf32>
  return %0 : tensor<?x64x28x28xf32>
}

// Default-valued flags are not printed.
// CHECK-LABEL: func.func @avg_pool_1d_defaults
func.func @avg_pool_1d_defaults(%x: tensor<1x4x10xf32>) -> tensor<1x4x8xf32> {
  // CHECK: llm.avg_pool %{{.*}} {dilations = array<i64: 1>, kernel = array<i64: 3>, pads = array<i64: 0, 0>, strides = array<i64: 1>} : tensor<1x4x10xf32> -> tensor<1x4x8xf32>
  %0 = llm.avg_pool %x {kernel = array<i64: 3>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>, ceil_mode = false, count_include_pad = false}
      : tensor<1x4x10xf32> -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}
