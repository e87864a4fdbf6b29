// RUN: llmc-opt %s --split-input-file --convert-llm-to-linalg | FileCheck %s

// Unsigned element types compute with unsigned arithmetic and leave the pass as signless
// integers, in the signature too.
// CHECK-LABEL: func.func @unsigned
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi1>, tensor<4xf32>, tensor<4xi8>)
// CHECK: arith.divui
// CHECK: arith.cmpi ult
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// CHECK: arith.maxui
// CHECK-NOT: ui8
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xui8>) {
  %0 = llm.div %a, %b : tensor<4xui8>, tensor<4xui8> -> tensor<4xui8>
  %1 = llm.less %a, %b : tensor<4xui8>, tensor<4xui8> -> tensor<4xi1>
  %2 = llm.cast %0 : tensor<4xui8> to tensor<4xf32>
  %3 = llm.max %a, %b : tensor<4xui8>, tensor<4xui8> -> tensor<4xui8>
  return %0, %1, %2, %3 : tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xui8>
}

// -----

// Constants of unsigned types keep their bytes. (The max keeps the cast from folding.)
// CHECK-LABEL: func.func @unsigned_constant
// CHECK: arith.constant dense<[1, -1]> : tensor<2xi8>
// CHECK: arith.extui %{{.*}} : i8 to i32
func.func @unsigned_constant(%x: tensor<2xui8>) -> tensor<2xi32> {
  %c = arith.constant dense<[1, 255]> : tensor<2xui8>
  %m = llm.max %c, %x : tensor<2xui8>, tensor<2xui8> -> tensor<2xui8>
  %0 = llm.cast %m : tensor<2xui8> to tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// Float to integer saturates and maps NaN to 0: no input reaches fptoui's poison.
// CHECK-LABEL: func.func @float_to_unsigned
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[PAST:.*]] = arith.constant 6.553600e+04 : f32
// CHECK: %[[T:.*]] = arith.fptoui %[[X:.*]] : f32 to i16
// CHECK: arith.cmpf olt, %[[X]], %[[ZERO]]
// CHECK: arith.cmpf oge, %[[X]], %[[PAST]]
// CHECK: arith.cmpf uno, %[[X]], %[[X]]
func.func @float_to_unsigned(%x: tensor<4xf32>) -> tensor<4xui16> {
  %0 = llm.cast %x : tensor<4xf32> to tensor<4xui16>
  return %0 : tensor<4xui16>
}

// -----

// Shifts by the width or more shift every bit out instead of producing poison.
// CHECK-LABEL: func.func @shifts
// CHECK: arith.cmpi uge
// CHECK: arith.shli
// CHECK: arith.cmpi uge
// CHECK: arith.shrui
// CHECK: arith.cmpi uge
// CHECK: arith.shrsi
func.func @shifts(%x: tensor<4xui32>, %n: tensor<4xui32>, %s: tensor<4xi32>) -> (tensor<4xui32>, tensor<4xui32>, tensor<4xi32>) {
  %0 = llm.shift_left %x, %n : tensor<4xui32>, tensor<4xui32> -> tensor<4xui32>
  %1 = llm.shift_right %x, %n : tensor<4xui32>, tensor<4xui32> -> tensor<4xui32>
  %2 = llm.shift_right %s, %s : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0, %1, %2 : tensor<4xui32>, tensor<4xui32>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @bitcast
// CHECK: arith.bitcast %{{.*}} : f32 to i32
func.func @bitcast(%x: tensor<4xf32>) -> tensor<4xui32> {
  %0 = llm.bitcast %x : tensor<4xf32> to tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// Per-axis quantization reads one scale and zero point per channel; the quantized tensor is
// its stored integers after the pass.
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @quantize_per_axis
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<2x3xi8>)
// CHECK-DAG: %[[SCALES:.*]] = arith.constant dense<{{\[\[}}5.000000e-01], [2.500000e-01]]> : tensor<2x1xf32>
// CHECK-DAG: %[[ZEROS:.*]] = arith.constant dense<{{\[\[}}1.000000e+00], [2.000000e+00]]> : tensor<2x1xf32>
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SCALES]], %[[ZEROS]] : tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>) outs(%{{.*}} : tensor<2x3xi8>)
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.addf
// CHECK: arith.fptoui
// CHECK: linalg.generic {{.*}} ins(%[[Q]], %[[SCALES]], %[[ZEROS]] : tensor<2x3xi8>, tensor<2x1xf32>, tensor<2x1xf32>)
// CHECK: arith.uitofp
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: return %{{.*}}, %[[Q]]
!q = !quant.uniform<u8:f32:0, {0.5:1, 0.25:2}>
func.func @quantize_per_axis(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xui8>) {
  %q = llm.quantize %x : tensor<2x3xf32> -> tensor<2x3x!q>
  %d = llm.dequantize %q : tensor<2x3x!q> -> tensor<2x3xf32>
  %s = llm.bitcast %q : tensor<2x3x!q> to tensor<2x3xui8>
  return %d, %s : tensor<2x3xf32>, tensor<2x3xui8>
}

// -----

// argmax compares unsigned values as unsigned; max pooling starts from 0.
// CHECK-LABEL: func.func @unsigned_argmax
// CHECK: arith.cmpi ugt
func.func @unsigned_argmax(%x: tensor<3x4xui8>) -> tensor<3xi64> {
  %0 = llm.argmax %x {axis = 1 : i64} : tensor<3x4xui8> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}
