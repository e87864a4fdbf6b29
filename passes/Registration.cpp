//===- Registration.cpp - Everything the llmc tools register ----------------===//
#include "passes/Registration.h"

#include "dialects/llm/Conversion/Passes.h"
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Transforms/Passes.h"
#include "passes/Pipelines.h"
#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

void llmc::registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<llm::LLMDialect, mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::quant::QuantDialect, mlir::scf::SCFDialect,
                  mlir::sparse_tensor::SparseTensorDialect,
                  mlir::tensor::TensorDialect>();
  cpu::registerCPUDialectExtensions(registry);
}

void llmc::registerPasses() {
  llm::registerLLMPasses();
  llm::registerLLMConversionPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  registerPipelines();
  cpu::registerCPUPasses();
  cpu::registerCPUPipelines();
  // The upstream passes the CPU pipelines name in their textual parts.
  mlir::registerTransformsPasses();
  mlir::registerConversionPasses();
  mlir::registerLinalgPasses();
  mlir::bufferization::registerBufferizationPasses();
  mlir::memref::registerMemRefPasses();
  mlir::arith::registerArithPasses();
}
