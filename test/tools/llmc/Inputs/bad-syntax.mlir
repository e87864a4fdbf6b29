func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = llm.relu %x : tensor<4xf32>
  %1 = llm.frobnicate %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
