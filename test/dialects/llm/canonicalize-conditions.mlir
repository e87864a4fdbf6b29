// RUN: llmc-opt %s --split-input-file --canonicalize | FileCheck %s

// Exporters compute If conditions from shapes (`rank == 2`, `dim == 1`), negate them and cast
// them to bool; all of it folds, so that the Ifs on them fold at import.
// CHECK-LABEL: func.func @shape_condition
// CHECK-DAG: %[[TRUE:.*]] = arith.constant dense<true> : tensor<i1>
// CHECK-DAG: %[[FALSE:.*]] = arith.constant dense<false> : tensor<i1>
// CHECK-NOT: llm.
// CHECK: return %[[FALSE]], %[[TRUE]], %[[TRUE]]
func.func @shape_condition() -> (tensor<i1>, tensor<i1>, tensor<i1>) {
  %rank = arith.constant dense<2> : tensor<i64>
  %two = arith.constant dense<2> : tensor<i64>
  %is_matrix = llm.equal %rank, %two : tensor<i64>, tensor<i64> -> tensor<i1>
  %not_matrix = llm.not %is_matrix : tensor<i1>
  %batch = arith.constant dense<2> : tensor<1xi64>
  %nonzero = llm.cast %batch : tensor<1xi64> to tensor<1xi1>
  %flag = llm.reshape %nonzero : tensor<1xi1> -> tensor<i1>
  %both = llm.and %flag, %is_matrix : tensor<i1>, tensor<i1> -> tensor<i1>
  return %not_matrix, %flag, %both : tensor<i1>, tensor<i1>, tensor<i1>
}

// -----

// Every comparison folds with broadcasting; unsigned and bool operands compare as unsigned,
// and NaN compares false except for not_equal.
// CHECK-LABEL: func.func @comparisons
// CHECK-DAG: arith.constant dense<[false, true, false]> : tensor<3xi1>
// CHECK-DAG: arith.constant dense<[true, false, true]> : tensor<3xi1>
// CHECK-DAG: arith.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-DAG: arith.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: arith.constant dense<[false, false, true]> : tensor<3xi1>
// CHECK-DAG: arith.constant dense<[false, true, true]> : tensor<3xi1>
// CHECK-DAG: arith.constant dense<[true, false]> : tensor<2xi1>
// CHECK-DAG: arith.constant dense<[false, true]> : tensor<2xi1>
// CHECK-NOT: llm.
func.func @comparisons() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>,
                             tensor<3xi1>, tensor<2xi1>, tensor<2xi1>) {
  %a = arith.constant dense<[-1, 0, 1]> : tensor<3xi64>
  %zero = arith.constant dense<0> : tensor<i64>
  %0 = llm.equal %a, %zero : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %1 = llm.not_equal %a, %zero : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %2 = llm.less %a, %zero : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %3 = llm.less_equal %a, %zero : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %4 = llm.greater %a, %zero : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %5 = llm.greater_equal %a, %zero : tensor<3xi64>, tensor<i64> -> tensor<3xi1>
  %u = arith.constant dense<[255, 1]> : tensor<2xui8>
  %two = arith.constant dense<2> : tensor<ui8>
  %6 = llm.greater %u, %two : tensor<2xui8>, tensor<ui8> -> tensor<2xi1>
  %f = arith.constant dense<[0x7FC00000, 1.0]> : tensor<2xf32>
  %7 = llm.equal %f, %f : tensor<2xf32>, tensor<2xf32> -> tensor<2xi1>
  return %0, %1, %2, %3, %4, %5, %6, %7
      : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>,
        tensor<2xi1>, tensor<2xi1>
}

// -----

// Integer casts of constants convert as the lowering does: bools and unsigned values extend
// with zeros, signed ones with the sign, narrowing keeps the low bits.
// CHECK-LABEL: func.func @integer_casts
// CHECK-DAG: arith.constant dense<[1, 0]> : tensor<2xi32>
// CHECK-DAG: arith.constant dense<[255, 1]> : tensor<2xi64>
// CHECK-DAG: arith.constant dense<[-1, 1]> : tensor<2xi64>
// CHECK-DAG: arith.constant dense<[-1, 0]> : tensor<2xi8>
// CHECK-NOT: llm.cast
func.func @integer_casts() -> (tensor<2xi32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi8>) {
  %b = arith.constant dense<[true, false]> : tensor<2xi1>
  %0 = llm.cast %b : tensor<2xi1> to tensor<2xi32>
  %u = arith.constant dense<[255, 1]> : tensor<2xui8>
  %1 = llm.cast %u : tensor<2xui8> to tensor<2xi64>
  %s = arith.constant dense<[-1, 1]> : tensor<2xi8>
  %2 = llm.cast %s : tensor<2xi8> to tensor<2xi64>
  %w = arith.constant dense<[511, 256]> : tensor<2xi64>
  %3 = llm.cast %w : tensor<2xi64> to tensor<2xi8>
  return %0, %1, %2, %3 : tensor<2xi32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi8>
}

// -----

// A float constant is not cast at compile time (saturation is the lowering's).
// CHECK-LABEL: func.func @float_cast_stays
// CHECK: llm.cast
func.func @float_cast_stays() -> tensor<2xi32> {
  %f = arith.constant dense<[1.5, 3.0e10]> : tensor<2xf32>
  %0 = llm.cast %f : tensor<2xf32> to tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// not(not(x)) is x.
// CHECK-LABEL: func.func @double_not
// CHECK-SAME: (%[[X:.*]]: tensor<3xi1>)
// CHECK: return %[[X]]
func.func @double_not(%x: tensor<3xi1>) -> tensor<3xi1> {
  %0 = llm.not %x : tensor<3xi1>
  %1 = llm.not %0 : tensor<3xi1>
  return %1 : tensor<3xi1>
}

// -----

// The pads exporters build as a matrix, reverse with a negative step and transpose fold into
// one vector, so that a reflect Pad gets a static shape.
// CHECK-LABEL: func.func @pads_matrix
// CHECK: %[[PADS:.*]] = arith.constant dense<[3, 1, 4, 2]> : tensor<4xi64>
// CHECK-NOT: llm.slice
// CHECK-NOT: llm.transpose
// CHECK: return %[[PADS]]
func.func @pads_matrix() -> tensor<4xi64> {
  %m = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %0 = llm.slice %m {starts = array<i64: 1, 0>, ends = array<i64: -1, 2>, steps = array<i64: -1, 1>} : tensor<2x2xi64> -> tensor<2x2xi64>
  %1 = llm.transpose %0 {permutation = array<i64: 1, 0>} : tensor<2x2xi64> -> tensor<2x2xi64>
  %2 = llm.reshape %1 : tensor<2x2xi64> -> tensor<4xi64>
  return %2 : tensor<4xi64>
}
