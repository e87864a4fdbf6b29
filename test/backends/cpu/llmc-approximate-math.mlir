// RUN: llmc-opt %s --llmc-approximate-math | FileCheck %s

// No math function survives that would need libm; sqrt stays (it is an instruction).
// CHECK-LABEL: func.func @math
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK-NOT: math.log
// CHECK-NOT: math.powf
// CHECK: return
func.func @math(%x: f32, %y: f32) -> (f32, f32, f32, f32, f32) {
  %0 = math.exp %x : f32
  %1 = math.tanh %x : f32
  %2 = math.erf %x : f32
  %3 = math.log %x : f32
  %4 = math.powf %x, %y : f32
  return %0, %1, %2, %3, %4 : f32, f32, f32, f32, f32
}

// f64 functions are computed with the f32 approximations.
// CHECK-LABEL: func.func @f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK-NOT: math.exp
// CHECK: arith.extf %{{.*}} : f32 to f64
func.func @f64(%x: f64) -> f64 {
  %0 = math.exp %x : f64
  return %0 : f64
}
