// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @shape_of_result(%x: tensor<?x4xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{'llm.shape_of' op result type 'tensor<3xi64>' is incompatible with the inferred type 'tensor<2xi64>'}}
  %0 = llm.shape_of %x : tensor<?x4xf32> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @dynamic_slice_length(%x: tensor<?x4xf32>, %a: tensor<1xi64>, %b: tensor<2xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.dynamic_slice' op ends has 2 entries, expected 1 like starts}}
  %0 = llm.dynamic_slice %x[%a, %b, %a, %a] : (tensor<?x4xf32>, tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @dynamic_slice_vector(%x: tensor<?x4xf32>, %a: tensor<?xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.dynamic_slice' op starts must be a 1-D integer tensor of static length, got 'tensor<?xi64>'}}
  %0 = llm.dynamic_slice %x[%a, %a, %a, %a] : (tensor<?x4xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @dynamic_slice_axis(%x: tensor<?x4xf32>, %a: tensor<1xi64>) -> tensor<?x?xf32> {
  %axes = arith.constant dense<2> : tensor<1xi64>
  // expected-error @+1 {{'llm.dynamic_slice' op axis 2 is out of range for rank 2 (expected 0 to 1)}}
  %0 = llm.dynamic_slice %x[%a, %a, %axes, %a] : (tensor<?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @dynamic_slice_twice(%x: tensor<?x4xf32>, %a: tensor<2xi64>) -> tensor<?x?xf32> {
  %axes = arith.constant dense<[1, -1]> : tensor<2xi64>
  // expected-error @+1 {{'llm.dynamic_slice' op axis 1 is sliced twice}}
  %0 = llm.dynamic_slice %x[%a, %a, %axes, %a] : (tensor<?x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @range_rank(%a: tensor<1xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{'llm.range' op start must be a scalar (a rank-0 tensor), got 'tensor<1xi64>'}}
  %0 = llm.range %a, %a, %a : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @range_types(%a: tensor<i64>, %b: tensor<i32>) -> tensor<?xi64> {
  // expected-error @+1 {{'llm.range' op limit has element type 'i32', expected 'i64' like start}}
  %0 = llm.range %a, %b, %a : (tensor<i64>, tensor<i32>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @range_bool(%a: tensor<i1>) -> tensor<?xi1> {
  // expected-error @+1 {{'llm.range' op expected integer or float operands, got 'i1'}}
  %0 = llm.range %a, %a, %a : (tensor<i1>, tensor<i1>, tensor<i1>) -> tensor<?xi1>
  return %0 : tensor<?xi1>
}

// -----

func.func @pad_length(%x: tensor<2x3xf32>, %p: tensor<3xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.pad' op pads must be a 1-D integer tensor of length 4 (twice the input rank), got 'tensor<3xi64>'}}
  %0 = llm.pad %x, %p {mode = "constant"} : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @pad_mode(%x: tensor<2x3xf32>, %p: tensor<4xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.pad' op mode must be constant, edge or reflect, got 'wrap'}}
  %0 = llm.pad %x, %p {mode = "wrap"} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @pad_value(%x: tensor<2x3xf32>, %p: tensor<4xi64>, %v: tensor<f16>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.pad' op value must be a scalar of the input's element type 'f32', got 'tensor<f16>'}}
  %0 = llm.pad %x, %p, %v {mode = "constant"} : (tensor<2x3xf32>, tensor<4xi64>, tensor<f16>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @pad_crop(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
  %p = arith.constant dense<[-2, 0, -1, 0]> : tensor<4xi64>
  // expected-error @+1 {{'llm.pad' op pads crop more than the 2 elements of dim 0}}
  %0 = llm.pad %x, %p {mode = "constant"} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @dynamic_reduce_kind(%x: tensor<2x3xf32>, %a: tensor<1xi64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.dynamic_reduce' op kind must be sum, mean, max, min or prod, got 'l2'}}
  %0 = llm.dynamic_reduce %x(%a : tensor<1xi64>) {kind = "l2", keep_dims = true} : tensor<2x3xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @dynamic_reduce_axes(%x: tensor<2x3xf32>, %a: tensor<1xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'llm.dynamic_reduce' op axes must be a 1-D integer tensor, got 'tensor<1xf32>'}}
  %0 = llm.dynamic_reduce %x(%a : tensor<1xf32>) {kind = "sum", keep_dims = true} : tensor<2x3xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @dynamic_reduce_length(%x: tensor<2x3xf32>, %a: tensor<?xi64>) -> tensor<?xf32> {
  // expected-error @+1 {{'llm.dynamic_reduce' op without keep_dims, axes must have a static length (the number of dimensions removed), got 'tensor<?xi64>'}}
  %0 = llm.dynamic_reduce %x(%a : tensor<?xi64>) {kind = "sum"} : tensor<2x3xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @dynamic_reduce_count(%x: tensor<2x3xf32>, %a: tensor<3xi64>) -> tensor<f32> {
  // expected-error @+1 {{'llm.dynamic_reduce' op axes has 3 entries, more than the input rank 2}}
  %0 = llm.dynamic_reduce %x(%a : tensor<3xi64>) {kind = "sum"} : tensor<2x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @reshape_allow_zero_static(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'llm.reshape' op allow_zero needs a shape operand}}
  %0 = llm.reshape %x {allow_zero} : tensor<2x3xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}
