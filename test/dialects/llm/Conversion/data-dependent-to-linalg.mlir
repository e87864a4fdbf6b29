// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// nonzero counts, allocates [rank, count], then writes the coordinates of each non-zero.
// CHECK-LABEL: func.func @nonzero
// CHECK: %[[COUNT:.*]] = scf.for {{.*}} iter_args
// CHECK: %[[INIT:.*]] = tensor.empty(%[[COUNT]]) : tensor<2x?xi64>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]
// CHECK: scf.if
// CHECK: tensor.insert
// CHECK-NOT: llm.nonzero
func.func @nonzero(%x: tensor<2x3xf32>) -> tensor<2x?xi64> {
  %0 = llm.nonzero %x : tensor<2x3xf32> -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}

// -----

// unique finds first occurrences and positions in loops, then fills the four results.
// CHECK-LABEL: func.func @unique
// CHECK: tensor.empty(%{{.*}}) : tensor<?xf32>
// CHECK: tensor.empty() : tensor<6xi64>
// CHECK-NOT: llm.unique
func.func @unique(%x: tensor<6xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>) {
  %0:4 = llm.unique %x {axis = 0 : i64, sorted = true}
      : tensor<6xf32> -> tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
  return %0#0, %0#1, %0#2, %0#3 : tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
}

// -----

// non_max_suppression selects into a buffer with room for every box, then copies the used rows.
// CHECK-LABEL: func.func @non_max_suppression
// CHECK: scf.for
// CHECK: arith.cmpf ogt
// CHECK: %[[USED:.*]] = tensor.extract_slice
// CHECK: linalg.copy ins(%[[USED]]
// CHECK-NOT: llm.non_max_suppression
func.func @non_max_suppression(%boxes: tensor<1x6x4xf32>, %scores: tensor<1x1x6xf32>,
                               %max: tensor<i64>, %iou: tensor<f32>, %score: tensor<f32>)
    -> tensor<?x3xi64> {
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = false}
      : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<i64>, tensor<f32>, tensor<f32>)
      -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}
