// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // CHECK: llm.add %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %0 = llm.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: llm.sub
  %1 = llm.sub %0, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: llm.mul
  %2 = llm.mul %1, %a : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: llm.div
  %3 = llm.div %2, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: llm.max
  %4 = llm.max %3, %a : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: llm.min
  %5 = llm.min %4, %a : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: llm.pow
  %6 = llm.pow %5, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %6 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @broadcast_both_ways
func.func @broadcast_both_ways(%a: tensor<4x1x5xf32>, %b: tensor<3x1xf32>) -> tensor<4x3x5xf32> {
  // CHECK: llm.add %{{.*}}, %{{.*}} : tensor<4x1x5xf32>, tensor<3x1xf32> -> tensor<4x3x5xf32>
  %0 = llm.add %a, %b : tensor<4x1x5xf32>, tensor<3x1xf32> -> tensor<4x3x5xf32>
  return %0 : tensor<4x3x5xf32>
}

// A written result type may be more static than the operands tell.
// CHECK-LABEL: func.func @refined_result
func.func @refined_result(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<8x3xf32> {
  // CHECK: llm.mul %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  %0 = llm.mul %a, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// CHECK-LABEL: func.func @integers
func.func @integers(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  // CHECK: llm.max %{{.*}}, %{{.*}} : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  %0 = llm.max %a, %b : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  // CHECK: llm.neg %{{.*}} : tensor<2x?xf32>
  %0 = llm.neg %x : tensor<2x?xf32>
  // CHECK: llm.abs
  %1 = llm.abs %0 : tensor<2x?xf32>
  // CHECK: llm.exp
  %2 = llm.exp %1 : tensor<2x?xf32>
  // CHECK: llm.log
  %3 = llm.log %2 : tensor<2x?xf32>
  // CHECK: llm.sqrt
  %4 = llm.sqrt %3 : tensor<2x?xf32>
  // CHECK: llm.rsqrt
  %5 = llm.rsqrt %4 : tensor<2x?xf32>
  // CHECK: llm.reciprocal
  %6 = llm.reciprocal %5 : tensor<2x?xf32>
  // CHECK: llm.relu
  %7 = llm.relu %6 : tensor<2x?xf32>
  // CHECK: llm.sigmoid
  %8 = llm.sigmoid %7 : tensor<2x?xf32>
  // CHECK: llm.tanh
  %9 = llm.tanh %8 : tensor<2x?xf32>
  // CHECK: llm.erf
  %10 = llm.erf %9 : tensor<2x?xf32>
  // CHECK: llm.silu
  %11 = llm.silu %10 : tensor<2x?xf32>
  // CHECK: llm.clamp %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<2x?xf32>
  %12 = llm.clamp %11 {min = 0.0 : f64, max = 6.0 : f64} : tensor<2x?xf32>
  // CHECK: llm.gelu %{{.*}} : tensor<2x?xf32>
  %13 = llm.gelu %12 : tensor<2x?xf32>
  // CHECK: llm.gelu %{{.*}} {tanh_approximation} : tensor<2x?xf32>
  %14 = llm.gelu %13 {tanh_approximation} : tensor<2x?xf32>
  return %14 : tensor<2x?xf32>
}

// CHECK-LABEL: func.func @cast
func.func @cast(%x: tensor<4x8xf32>) -> tensor<4x8xi8> {
  // CHECK: llm.cast %{{.*}} : tensor<4x8xf32> to tensor<4x8xf16>
  %0 = llm.cast %x : tensor<4x8xf32> to tensor<4x8xf16>
  // CHECK: llm.cast %{{.*}} : tensor<4x8xf16> to tensor<4x8xi8>
  %1 = llm.cast %0 : tensor<4x8xf16> to tensor<4x8xi8>
  return %1 : tensor<4x8xi8>
}

// CHECK-LABEL: func.func @unary_math
func.func @unary_math(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: llm.sin
  %0 = llm.sin %x : tensor<4xf32>
  // CHECK: llm.cos
  %1 = llm.cos %0 : tensor<4xf32>
  // CHECK: llm.tan
  %2 = llm.tan %1 : tensor<4xf32>
  // CHECK: llm.asin
  %3 = llm.asin %2 : tensor<4xf32>
  // CHECK: llm.acos
  %4 = llm.acos %3 : tensor<4xf32>
  // CHECK: llm.atan
  %5 = llm.atan %4 : tensor<4xf32>
  // CHECK: llm.sinh
  %6 = llm.sinh %5 : tensor<4xf32>
  // CHECK: llm.cosh
  %7 = llm.cosh %6 : tensor<4xf32>
  // CHECK: llm.asinh
  %8 = llm.asinh %7 : tensor<4xf32>
  // CHECK: llm.acosh
  %9 = llm.acosh %8 : tensor<4xf32>
  // CHECK: llm.atanh
  %10 = llm.atanh %9 : tensor<4xf32>
  // CHECK: llm.floor
  %11 = llm.floor %10 : tensor<4xf32>
  // CHECK: llm.ceil
  %12 = llm.ceil %11 : tensor<4xf32>
  // CHECK: llm.round
  %13 = llm.round %12 : tensor<4xf32>
  // CHECK: llm.sign
  %14 = llm.sign %13 : tensor<4xf32>
  return %14 : tensor<4xf32>
}

// CHECK-LABEL: func.func @compare_logic_select
func.func @compare_logic_select(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // CHECK: llm.equal %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  %0 = llm.equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: llm.not_equal
  %1 = llm.not_equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: llm.less
  %2 = llm.less %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: llm.less_equal
  %3 = llm.less_equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: llm.greater
  %4 = llm.greater %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: llm.greater_equal
  %5 = llm.greater_equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: llm.and
  %6 = llm.and %0, %1 : tensor<2x3xi1>, tensor<2x3xi1> -> tensor<2x3xi1>
  // CHECK: llm.or
  %7 = llm.or %6, %2 : tensor<2x3xi1>, tensor<2x3xi1> -> tensor<2x3xi1>
  // CHECK: llm.xor
  %8 = llm.xor %7, %3 : tensor<2x3xi1>, tensor<2x3xi1> -> tensor<2x3xi1>
  // CHECK: llm.not %{{.*}} : tensor<2x3xi1>
  %9 = llm.not %8 : tensor<2x3xi1>
  // CHECK: llm.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %10 = llm.select %9, %a, %b : tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %10 : tensor<2x3xf32>
}
