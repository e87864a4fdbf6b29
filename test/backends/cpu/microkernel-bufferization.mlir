// RUN: llmc-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s

// Kernels read contiguous rows: a strided view is copied into a fresh buffer first, and the
// output (which the kernel overwrites) is not copied in.

// CHECK-LABEL: func.func @f
// CHECK: %[[VIEW:.*]] = memref.subview %arg0[0, 0] [2, 64] [2, 1]
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x8xf32>
// CHECK: %[[COPY:.*]] = memref.alloc() : memref<2x64xf32>
// CHECK: memref.copy %[[VIEW]], %[[COPY]]
// CHECK: llm.microkernel "llmc_mk_linear_q8_0" ins(%[[COPY]], %arg1 : memref<2x64xf32>, memref<8x68xi8>) outs(%[[OUT]] : memref<2x8xf32>)
// CHECK: return %[[OUT]]
func.func @f(%x: tensor<4x64xf32>, %w: tensor<8x68xi8>) -> tensor<2x8xf32> {
  %s = tensor.extract_slice %x[0, 0] [2, 64] [2, 1] : tensor<4x64xf32> to tensor<2x64xf32>
  %init = tensor.empty() : tensor<2x8xf32>
  %m = arith.constant 2 : i64
  %y = llm.microkernel "llmc_mk_linear_q8_0" ins(%s, %w : tensor<2x64xf32>, tensor<8x68xi8>) outs(%init : tensor<2x8xf32>) scalars(%m, %m, %m : i64, i64, i64) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
