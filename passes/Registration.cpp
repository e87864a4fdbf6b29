//===- Registration.cpp - Everything the llmc tools register ----------------===//
#include "passes/Registration.h"

#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/Passes.h"

void llmc::registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<llm::LLMDialect, mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::quant::QuantDialect, mlir::sparse_tensor::SparseTensorDialect,
                  mlir::tensor::TensorDialect>();
}

void llmc::registerPasses() {
  llm::registerLLMPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  registerPipelines();
}
