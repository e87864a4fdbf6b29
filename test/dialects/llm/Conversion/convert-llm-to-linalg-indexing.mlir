// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// An exclusive sum writes the running sum before adding the slice to it.
// CHECK-LABEL: func.func @cumsum_exclusive
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: scf.for %[[I:[^ ]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SUM:[^ ]+]] = %[[ZERO]], %[[OUT:[^ ,)]+]] = %{{.*}})
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %{{.*}}[0, %[[I]]] [2, 1] [1, 1] : tensor<2x5xf32> to tensor<2xf32>
// CHECK: tensor.insert_slice %[[SUM]] into %[[OUT]][0, %[[I]]]
// CHECK: linalg.generic {{.*}} ins(%[[SLICE]] : tensor<2xf32>) outs(%[[SUM]] : tensor<2xf32>)
// CHECK: arith.addf
func.func @cumsum_exclusive(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = llm.cumsum %x {axis = 1 : i64, exclusive = true} : tensor<2x5xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// A reverse sum walks the axis from its end.
// CHECK-LABEL: func.func @cumsum_reverse
// CHECK: scf.for %[[I:[^ ]+]] =
// CHECK: %[[BACK:.*]] = arith.subi %{{.*}}, %[[I]]
// CHECK: arith.subi %[[BACK]]
func.func @cumsum_reverse(%x: tensor<?xi32>) -> tensor<?xi32> {
  %0 = llm.cumsum %x {axis = 0 : i64, reverse = true} : tensor<?xi32> -> tensor<?xi32>
  return %0 : tensor<?xi32>
}

// -----

// k is read at run time and clamped into [0, size]; each pick is a scan of the axis.
// CHECK-LABEL: func.func @topk
// CHECK: %[[K:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<1xi64>
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.cmpf ogt
// CHECK: tensor.insert
func.func @topk(%x: tensor<3x4xf32>, %k: tensor<1xi64>) -> tensor<3x?xi64> {
  %0 = llm.topk %x, %k {axis = 1 : i64} : tensor<3x4xf32>, tensor<1xi64> -> tensor<3x?xi64>
  return %0 : tensor<3x?xi64>
}

// -----

// Every index read from `indices` (and every batch position) is clamped into data.
// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic
// CHECK: %[[RAW:.*]] = tensor.extract %{{.*}} : tensor<2x1xi64>
// CHECK: %[[INDEX:.*]] = arith.index_cast %[[RAW]]
// CHECK: arith.select
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: tensor.extract %{{.*}} : tensor<2x2x2xi32>
func.func @gather_nd(%d: tensor<2x2x2xi32>, %i: tensor<2x1xi64>) -> tensor<2x2xi32> {
  %0 = llm.gather_nd %d[%i] {batch_dims = 1 : i64} : (tensor<2x2x2xi32>, tensor<2x1xi64>) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// Data whose size is known only at run time may be empty: reads are guarded.
// CHECK-LABEL: func.func @gather_nd_dynamic
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi sgt
// CHECK: linalg.generic
// CHECK: scf.if %[[NONEMPTY]]
func.func @gather_nd_dynamic(%d: tensor<?x4xf32>, %i: tensor<3x1xi64>) -> tensor<3x4xf32> {
  %0 = llm.gather_nd %d[%i] : (tensor<?x4xf32>, tensor<3x1xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// The scatter updates a copy of data; an update whose index is out of range is skipped.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK: %[[COPY:.*]] = linalg.copy
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[COPY]])
// CHECK: scf.for
// CHECK: %[[VALID:.*]] = arith.andi
// CHECK: scf.if %[[VALID]] -> (tensor<1x5xf32>)
// CHECK: tensor.extract
// CHECK: arith.addf
// CHECK: tensor.insert
// CHECK: } else {
func.func @scatter_elements_add(%d: tensor<1x5xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>) -> tensor<1x5xf32> {
  %0 = llm.scatter_elements %d[%i], %u {axis = 1 : i64, reduction = "add"} : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_nd_mul
// CHECK: linalg.copy
// CHECK-COUNT-3: scf.for
// CHECK: scf.if
// CHECK: arith.mulf
func.func @scatter_nd_mul(%d: tensor<4x4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4x4xf32>) -> tensor<4x4x4xf32> {
  %0 = llm.scatter_nd %d[%i], %u {reduction = "mul"} : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  return %0 : tensor<4x4x4xf32>
}

// -----

// A windowed reduction carrying the maximum and its flat position.
// CHECK-LABEL: func.func @max_pool_argmax
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: %[[RESULT:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[WINDOW]] : tensor<2x2xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
// CHECK: arith.cmpf ogt
// CHECK: arith.index_cast {{.*}} : index to i64
// CHECK: return %[[RESULT]]#1
func.func @max_pool_argmax(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x2x2xi64> {
  %0 = llm.max_pool_argmax %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xi64>
  return %0 : tensor<1x1x2x2xi64>
}

// -----

// LU with partial pivoting: a pivot search by magnitude, a row swap, then elimination.
// CHECK-LABEL: func.func @det
// CHECK: linalg.copy
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.absf
// CHECK: arith.negf
// CHECK: arith.divf
// CHECK: arith.subf
func.func @det(%x: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %0 = llm.det %x : tensor<3x2x2xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
