// RUN: llmc-opt %s --llmc-outline-constants=min-elements=4 | FileCheck %s

// Large constants become trailing arguments carrying their value; equal values share one;
// small ones stay in the code.
// CHECK-LABEL: func.func @weights
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[W:.*]]: tensor<4xf32> {llmc.constant = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>})
// CHECK: %[[SMALL:.*]] = arith.constant dense<5.000000e-01> : tensor<2xf32>
// CHECK: llm.add %[[X]], %[[W]]
// CHECK: llm.mul %{{.*}}, %[[W]]
func.func @weights(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<2xf32>) {
  %w = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %again = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %small = arith.constant dense<0.5> : tensor<2xf32>
  %0 = llm.add %x, %w : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = llm.mul %0, %again : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %1, %small : tensor<4xf32>, tensor<2xf32>
}

// Private helpers keep their constants.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
// CHECK: arith.constant dense<2.000000e+00> : tensor<4xf32>
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<2.0> : tensor<4xf32>
  %0 = llm.mul %x, %c : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
