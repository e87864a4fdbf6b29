//===- Passes.h - Passes and pipelines of the CPU backend -------------------===//
#ifndef LLMC_BACKENDS_CPU_PASSES_H
#define LLMC_BACKENDS_CPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace llmc::cpu {

#define GEN_PASS_DECL
#include "backends/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "backends/cpu/Passes.h.inc"

/// Argument and function attributes the CPU backend reads and writes.
inline constexpr llvm::StringLiteral kConstantAttr = "llmc.constant";
inline constexpr llvm::StringLiteral kScratchBytesAttr = "llmc.scratch_bytes";
/// On an entry argument: the name of a state buffer the runtime keeps between calls.
inline constexpr llvm::StringLiteral kStateAttr = "llmc.state";
/// On an entry result: the index of the state argument whose new value it is.
inline constexpr llvm::StringLiteral kStateOfAttr = "llmc.state_of";

/// Tensor level: llm -> linalg on tensors, fused, with large constants outlined.
void buildCPUTensorPipeline(mlir::OpPassManager &pm);
/// Buffer level: one-shot bufferization and the scratch arena plan.
void buildCPUBufferPipeline(mlir::OpPassManager &pm);
/// LLVM level: loops, freestanding math, and the LLVM dialect with C interfaces.
void buildCPULLVMPipeline(mlir::OpPassManager &pm);

/// Registers `llmc-lower-cpu` (all three stages, after `llmc-optimize`).
void registerCPUPipelines();

/// Registers the bufferization and LLVM-conversion interfaces the pipelines need.
void registerCPUDialectExtensions(mlir::DialectRegistry &registry);

/// Attaches the bufferization of llm.microkernel (part of registerCPUDialectExtensions).
void registerMicrokernelBufferization(mlir::DialectRegistry &registry);

} // namespace llmc::cpu

#endif // LLMC_BACKENDS_CPU_PASSES_H
