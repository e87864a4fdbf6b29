// RUN: llmc compile %s --emit=mlir | FileCheck %s
// RUN: llmc compile %s --emit=mlir -o %t.mlir && FileCheck %s --input-file %t.mlir
// RUN: llmc compile %s --emit=mlir --no-decompose-batch-norm | FileCheck %s --check-prefix=KEEP
// The output is valid input again.
// RUN: llmc compile %s --emit=mlir | llmc-opt --verify-each | FileCheck %s

// CHECK-LABEL: func.func @model
// CHECK-SAME: -> tensor<2x4xf32>
// CHECK-NOT: llm.batch_norm
// CHECK: llm.relu %{{.*}} : tensor<2x4xf32>
// KEEP: llm.batch_norm
func.func @model(%x: tensor<2x4xf32>) -> tensor<?x?xf32> {
  %p = arith.constant dense<1.0> : tensor<4xf32>
  %0 = llm.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f64}
      : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?xf32>
  %1 = llm.relu %0 : tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}
