// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// CHECK-LABEL: func.func @nonzero
func.func @nonzero(%x: tensor<2x3xi1>, %y: tensor<?xf32>) -> (tensor<2x?xi64>, tensor<1x?xi64>) {
  // CHECK: llm.nonzero %{{.*}} : tensor<2x3xi1> -> tensor<2x?xi64>
  %0 = llm.nonzero %x : tensor<2x3xi1> -> tensor<2x?xi64>
  // CHECK: llm.nonzero %{{.*}} : tensor<?xf32> -> tensor<1x?xi64>
  %1 = llm.nonzero %y : tensor<?xf32> -> tensor<1x?xi64>
  return %0, %1 : tensor<2x?xi64>, tensor<1x?xi64>
}

// CHECK-LABEL: func.func @unique
func.func @unique(%x: tensor<6xf32>, %m: tensor<3x4xi64>) {
  // CHECK: llm.unique %{{.*}} {axis = 0 : i64, sorted = true} : tensor<6xf32> -> tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
  %0:4 = llm.unique %x {axis = 0 : i64, sorted = true}
      : tensor<6xf32> -> tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
  // CHECK: llm.unique %{{.*}} {axis = 1 : i64, sorted = false} : tensor<3x4xi64> -> tensor<3x?xi64>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>
  %1:4 = llm.unique %m {axis = 1 : i64, sorted = false}
      : tensor<3x4xi64> -> tensor<3x?xi64>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>
  return
}

// CHECK-LABEL: func.func @non_max_suppression
func.func @non_max_suppression(%boxes: tensor<1x6x4xf32>, %scores: tensor<1x2x6xf32>,
                               %max: tensor<1xi64>, %iou: tensor<f32>, %score: tensor<1xf32>)
    -> tensor<?x3xi64> {
  // CHECK: llm.non_max_suppression %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {center_point_box = true}
  %0 = llm.non_max_suppression %boxes, %scores, %max, %iou, %score {center_point_box = true}
      : (tensor<1x6x4xf32>, tensor<1x2x6xf32>, tensor<1xi64>, tensor<f32>, tensor<1xf32>)
      -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}
