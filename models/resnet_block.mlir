// A ResNet-style residual block in the llm dialect: the bundled default model of the quick start.
// Weights are small and deterministic so the file stays readable; `llmc compile` optimizes it.
func.func @resnet_block(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %w1 = arith.constant dense<0.125> : tensor<4x4x3x3xf32>
  %b1 = arith.constant dense<[0.1, -0.1, 0.2, -0.2]> : tensor<4xf32>
  %gamma = arith.constant dense<[1.0, 0.5, 2.0, 1.5]> : tensor<4xf32>
  %beta = arith.constant dense<[0.0, 0.1, -0.1, 0.2]> : tensor<4xf32>
  %mean = arith.constant dense<[0.5, 0.25, -0.5, 0.0]> : tensor<4xf32>
  %var = arith.constant dense<[1.0, 4.0, 0.25, 2.0]> : tensor<4xf32>
  %w2 = arith.constant dense<-0.0625> : tensor<4x1x3x3xf32>

  // conv -> batch norm -> relu
  %0 = llm.conv %x, %w1, %b1 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  %1 = llm.batch_norm %0, %gamma, %beta, %mean, %var {epsilon = 1.0e-05 : f64}
      : (tensor<?x?x?x?xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  %2 = llm.relu %1 : tensor<?x?x?x?xf32>
  // depthwise conv, residual add, pool
  %3 = llm.conv %2, %w2 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 4 : i64}
      : (tensor<?x?x?x?xf32>, tensor<4x1x3x3xf32>) -> tensor<?x?x?x?xf32>
  %4 = llm.add %3, %x : tensor<?x?x?x?xf32>, tensor<1x4x8x8xf32> -> tensor<?x?x?x?xf32>
  %5 = llm.max_pool %4 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  %6 = tensor.cast %5 : tensor<?x?x?x?xf32> to tensor<1x4x4x4xf32>
  return %6 : tensor<1x4x4x4xf32>
}
