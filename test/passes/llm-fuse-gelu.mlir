// RUN: llmc-opt %s --split-input-file --llm-fuse-gelu | FileCheck %s

// BERT's exact GELU as the perf suite's block writes it: (x * 0.5) * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @gelu_erf
// CHECK-SAME: (%[[X:.*]]: tensor<?x64x1024xf32>)
// CHECK-NEXT: %[[Y:.*]] = llm.gelu %[[X]] : tensor<?x64x1024xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_erf(%x: tensor<?x64x1024xf32>) -> tensor<?x64x1024xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.div %x, %sqrt2 : tensor<?x64x1024xf32>, tensor<f32> -> tensor<?x64x1024xf32>
  %e = llm.erf %s : tensor<?x64x1024xf32>
  %h = llm.mul %x, %half : tensor<?x64x1024xf32>, tensor<f32> -> tensor<?x64x1024xf32>
  %g = llm.add %one, %e : tensor<f32>, tensor<?x64x1024xf32> -> tensor<?x64x1024xf32>
  %y = llm.mul %h, %g : tensor<?x64x1024xf32>, tensor<?x64x1024xf32> -> tensor<?x64x1024xf32>
  return %y : tensor<?x64x1024xf32>
}

// -----

// HF BERT's order: ((x * (erf(x * (1 / sqrt(2))) + 1)) * 0.5, the constant of rank 1.
// CHECK-LABEL: func.func @gelu_erf_other_order
// CHECK-SAME: (%[[X:.*]]: tensor<8x256xf32>)
// CHECK-NEXT: %[[Y:.*]] = llm.gelu %[[X]] : tensor<8x256xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_erf_other_order(%x: tensor<8x256xf32>) -> tensor<8x256xf32> {
  %inv = arith.constant dense<0.707106769> : tensor<1xf32>
  %half = arith.constant dense<0.5> : tensor<1xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.mul %x, %inv : tensor<8x256xf32>, tensor<1xf32> -> tensor<8x256xf32>
  %e = llm.erf %s : tensor<8x256xf32>
  %g = llm.add %e, %one : tensor<8x256xf32>, tensor<f32> -> tensor<8x256xf32>
  %p = llm.mul %x, %g : tensor<8x256xf32>, tensor<8x256xf32> -> tensor<8x256xf32>
  %y = llm.mul %p, %half : tensor<8x256xf32>, tensor<1xf32> -> tensor<8x256xf32>
  return %y : tensor<8x256xf32>
}

// -----

// A division by 2 for the half.
// CHECK-LABEL: func.func @gelu_erf_halved
// CHECK-NEXT: llm.gelu
// CHECK-NEXT: return
func.func @gelu_erf_halved(%x: tensor<8x256xf32>) -> tensor<8x256xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %two = arith.constant dense<2.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.div %x, %sqrt2 : tensor<8x256xf32>, tensor<f32> -> tensor<8x256xf32>
  %e = llm.erf %s : tensor<8x256xf32>
  %g = llm.add %e, %one : tensor<8x256xf32>, tensor<f32> -> tensor<8x256xf32>
  %p = llm.mul %g, %x : tensor<8x256xf32>, tensor<8x256xf32> -> tensor<8x256xf32>
  %y = llm.div %p, %two : tensor<8x256xf32>, tensor<f32> -> tensor<8x256xf32>
  return %y : tensor<8x256xf32>
}

// -----

// GPT-2's gelu_new as exported: pow(x, 3), the constants of f32.
// CHECK-LABEL: func.func @gelu_tanh_pow
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x1024xf32>)
// CHECK-NEXT: %[[Y:.*]] = llm.gelu %[[X]] {tanh_approximation} : tensor<?x?x1024xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_tanh_pow(%x: tensor<?x?x1024xf32>) -> tensor<?x?x1024xf32> {
  %three = arith.constant dense<3.0> : tensor<f32>
  %c = arith.constant dense<0.0447150017> : tensor<f32>
  %k = arith.constant dense<0.797884583> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %cube = llm.pow %x, %three : tensor<?x?x1024xf32>, tensor<f32> -> tensor<?x?x1024xf32>
  %t = llm.mul %cube, %c : tensor<?x?x1024xf32>, tensor<f32> -> tensor<?x?x1024xf32>
  %a = llm.add %x, %t : tensor<?x?x1024xf32>, tensor<?x?x1024xf32> -> tensor<?x?x1024xf32>
  %u = llm.mul %a, %k : tensor<?x?x1024xf32>, tensor<f32> -> tensor<?x?x1024xf32>
  %th = llm.tanh %u : tensor<?x?x1024xf32>
  %h = llm.mul %x, %half : tensor<?x?x1024xf32>, tensor<f32> -> tensor<?x?x1024xf32>
  %g = llm.add %one, %th : tensor<f32>, tensor<?x?x1024xf32> -> tensor<?x?x1024xf32>
  %y = llm.mul %h, %g : tensor<?x?x1024xf32>, tensor<?x?x1024xf32> -> tensor<?x?x1024xf32>
  return %y : tensor<?x?x1024xf32>
}

// -----

// The cube as products (what llm-fuse-norms makes of the pow), the half on the left.
// CHECK-LABEL: func.func @gelu_tanh_products
// CHECK-NEXT: llm.gelu %{{.*}} {tanh_approximation}
// CHECK-NEXT: return
func.func @gelu_tanh_products(%x: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %c = arith.constant dense<0.0447150017> : tensor<f32>
  %k = arith.constant dense<0.797884583> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %sq = llm.mul %x, %x : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %cube = llm.mul %sq, %x : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %t = llm.mul %c, %cube : tensor<f32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %a = llm.add %t, %x : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %u = llm.mul %k, %a : tensor<f32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %th = llm.tanh %u : tensor<64x512xf32>
  %g = llm.add %th, %one : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %h = llm.mul %half, %g : tensor<f32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %y = llm.mul %h, %x : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  return %y : tensor<64x512xf32>
}

// -----

// The "fast" spelling of the same argument: x * sqrt(2 / pi) * (1 + 0.044715 * x * x).
// CHECK-LABEL: func.func @gelu_tanh_fast
// CHECK-NEXT: llm.gelu %{{.*}} {tanh_approximation}
// CHECK-NEXT: return
func.func @gelu_tanh_fast(%x: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %c = arith.constant dense<0.0447150017> : tensor<f32>
  %k = arith.constant dense<0.797884583> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %xk = llm.mul %x, %k : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %sq = llm.mul %x, %x : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %t = llm.mul %sq, %c : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %a = llm.add %one, %t : tensor<f32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %u = llm.mul %xk, %a : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %th = llm.tanh %u : tensor<64x512xf32>
  %g = llm.add %th, %one : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %h = llm.mul %x, %half : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %y = llm.mul %h, %g : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  return %y : tensor<64x512xf32>
}

// -----

// Not GELU: the erf's argument is another value than the one multiplied.
// CHECK-LABEL: func.func @other_argument
// CHECK-NOT: llm.gelu
// CHECK: llm.erf
func.func @other_argument(%x: tensor<8x16xf32>, %z: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.div %z, %sqrt2 : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %e = llm.erf %s : tensor<8x16xf32>
  %h = llm.mul %x, %half : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %g = llm.add %one, %e : tensor<f32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %y = llm.mul %h, %g : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Not GELU: a constant off by more than an f32 rounding (0.6 for 0.5, 1.5 for sqrt(2)).
// CHECK-LABEL: func.func @wrong_constants
// CHECK-NOT: llm.gelu
// CHECK: return
func.func @wrong_constants(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %notsqrt2 = arith.constant dense<1.5> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %nothalf = arith.constant dense<0.6> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.div %x, %sqrt2 : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %e = llm.erf %s : tensor<8x16xf32>
  %h = llm.mul %x, %nothalf : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %g = llm.add %one, %e : tensor<f32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %y = llm.mul %h, %g : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %s2 = llm.div %x, %notsqrt2 : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %e2 = llm.erf %s2 : tensor<8x16xf32>
  %h2 = llm.mul %x, %half : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %g2 = llm.add %one, %e2 : tensor<f32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %y2 = llm.mul %h2, %g2 : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  return %y, %y2 : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// Not fused: the erf has another user, which still needs it.
// CHECK-LABEL: func.func @shared_intermediate
// CHECK-NOT: llm.gelu
// CHECK: llm.erf
func.func @shared_intermediate(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.div %x, %sqrt2 : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %e = llm.erf %s : tensor<8x16xf32>
  %h = llm.mul %x, %half : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %g = llm.add %one, %e : tensor<f32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %y = llm.mul %h, %g : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  return %y, %e : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// Not GELU: a fourth factor multiplies in (the GELU inside it still fuses when it is a value of
// its own; here it is not).
// CHECK-LABEL: func.func @four_factors
// CHECK-NOT: llm.gelu
// CHECK: return
func.func @four_factors(%x: tensor<8x16xf32>, %w: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %sqrt2 = arith.constant dense<1.41421354> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %s = llm.div %x, %sqrt2 : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %e = llm.erf %s : tensor<8x16xf32>
  %g = llm.add %one, %e : tensor<f32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %gw = llm.mul %g, %w : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  %h = llm.mul %x, %half : tensor<8x16xf32>, tensor<f32> -> tensor<8x16xf32>
  %y = llm.mul %h, %gw : tensor<8x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
