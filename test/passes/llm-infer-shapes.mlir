// RUN: llmc-opt %s --split-input-file --llm-infer-shapes --verify-diagnostics | FileCheck %s

// Static operand shapes flow into results an importer left dynamic, and into the signature.
// CHECK-LABEL: func.func @propagate
// CHECK-SAME: -> tensor<1x64x56x56xf32>
func.func @propagate(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>) -> tensor<?x?x?x?xf32> {
  // CHECK: llm.conv {{.*}} -> tensor<1x64x112x112xf32>
  %0 = llm.conv %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, groups = 1 : i64}
      : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<?x?x?x?xf32>
  // CHECK: llm.relu %{{.*}} : tensor<1x64x112x112xf32>
  %1 = llm.relu %0 : tensor<?x?x?x?xf32>
  // CHECK: llm.max_pool {{.*}} : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  %2 = llm.max_pool %1 {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
      : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  // CHECK: return %{{.*}} : tensor<1x64x56x56xf32>
  return %2 : tensor<?x?x?x?xf32>
}

// -----

// A written static dim is kept where inference only knows `?`.
// CHECK-LABEL: func.func @keep_written
func.func @keep_written(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  // CHECK: llm.add {{.*}} -> tensor<8x3xf32>
  %0 = llm.add %a, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<8x3xf32>
  // CHECK: llm.exp %{{.*}} : tensor<8x3xf32>
  %1 = llm.exp %0 : tensor<8x3xf32>
  // A reshape's result type is its parameter; it is not re-derived.
  // CHECK: llm.reshape %{{.*}} : tensor<8x3xf32> -> tensor<?x3xf32>
  %2 = llm.reshape %1 : tensor<8x3xf32> -> tensor<?x3xf32>
  return %2 : tensor<?x3xf32>
}

// -----

// Users outside the llm dialect keep the type they were written against.
// CHECK-LABEL: func.func @foreign_user
func.func @foreign_user(%a: tensor<2x3xf32>) -> tensor<?x?xf32> {
  // CHECK: %[[T:.*]] = llm.transpose {{.*}} -> tensor<3x2xf32>
  // CHECK: %[[C:.*]] = tensor.cast %[[T]] : tensor<3x2xf32> to tensor<?x?xf32>
  // CHECK: tensor.dim %[[C]]
  %0 = llm.transpose %a {permutation = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<?x?xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %0, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%d, %d) : tensor<?x?xf32>
  return %e : tensor<?x?xf32>
}

// -----

// A called function keeps its signature; its return gets a cast instead.
// CHECK-LABEL: func.func private @callee
// CHECK-SAME: -> tensor<?xf32>
// CHECK: %[[N:.*]] = llm.neg %{{.*}} : tensor<4xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[N]] : tensor<4xf32> to tensor<?xf32>
// CHECK: return %[[C]]
func.func private @callee(%a: tensor<4xf32>) -> tensor<?xf32> {
  %0 = llm.reduce_sum %a {axes = array<i64>} : tensor<4xf32> -> tensor<?xf32>
  %1 = llm.neg %0 : tensor<?xf32>
  return %1 : tensor<?xf32>
}

func.func @caller(%a: tensor<4xf32>) -> tensor<?xf32> {
  %0 = func.call @callee(%a) : (tensor<4xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// A refinement that reveals a contradiction is an error naming the op.
func.func @contradiction(%a: tensor<2x5xf32>, %w: tensor<?x4xf32>) -> tensor<3x4xf32> {
  %0 = llm.reshape %a : tensor<2x5xf32> -> tensor<2x?xf32>
  %1 = llm.transpose %0 {permutation = array<i64: 0, 1>} : tensor<2x?xf32> -> tensor<?x?xf32>
  // expected-error @+1 {{'llm.matmul' op result type 'tensor<3x4xf32>' conflicts with the type inferred from its operands, 'tensor<2x4xf32>'}}
  %2 = llm.matmul %1, %w : tensor<?x?xf32>, tensor<?x4xf32> -> tensor<3x4xf32>
  return %2 : tensor<3x4xf32>
}

// -----

// Operands that stop fitting each other after refinement report the op's own rule.
func.func @broken_broadcast(%a: tensor<2x5xf32>, %b: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = llm.transpose %a {permutation = array<i64: 0, 1>} : tensor<2x5xf32> -> tensor<?x5xf32>
  // expected-error @+1 {{'llm.add' op shapes 2x5 and 3x5 do not broadcast: dimension 0 is 2 against 3}}
  %1 = llm.add %0, %b : tensor<?x5xf32>, tensor<3x5xf32> -> tensor<3x5xf32>
  return %1 : tensor<3x5xf32>
}

// -----

// A static dim sliced with constant bounds keeps a static length (ONNX's clamping: [0, 129) of
// 258, and [129, INT64_MAX) of 258), while the unknown time dim stays unknown.
// CHECK-LABEL: func.func @dynamic_slice_static_dim
func.func @dynamic_slice_static_dim(%x: tensor<?x258x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %axis = arith.constant dense<1> : tensor<1xi64>
  %zero = arith.constant dense<0> : tensor<1xi64>
  %half = arith.constant dense<129> : tensor<1xi64>
  %end = arith.constant dense<9223372036854775807> : tensor<1xi64>
  %one = arith.constant dense<1> : tensor<1xi64>
  // CHECK: llm.dynamic_slice {{.*}} -> tensor<?x129x?xf32>
  %0 = llm.dynamic_slice %x[%zero, %half, %axis, %one] : (tensor<?x258x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?xf32>
  // CHECK: llm.dynamic_slice {{.*}} -> tensor<?x129x?xf32>
  %1 = llm.dynamic_slice %x[%half, %end, %axis, %one] : (tensor<?x258x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x?xf32>
  return %0, %1 : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}
