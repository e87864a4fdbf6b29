//===- Microkernels.cpp - llm.microkernel: bufferization and calls ----------===//
//
// `llm.microkernel` calls a hand-written kernel that the backend links into the code object
// (backends/cpu/kernels). On tensors it is in destination-passing style; its bufferization
// hands the kernel contiguous row-major buffers (copying the rare strided view); after the
// scratch arena is planned, llmc-lower-microkernels turns it into a call that passes each
// buffer's first-element address, the scalars and the runtime's services table.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace llmc::cpu {
#define GEN_PASS_DEF_LLMCWRITEBACKSTATEPASS
#define GEN_PASS_DEF_LLMCLOWERMICROKERNELSPASS
#include "backends/cpu/Passes.h.inc"
} // namespace llmc::cpu

using namespace mlir;
using llmc::llm::MicrokernelOp;

namespace {

/// Whether `type` lays its elements out row-major without gaps (any offset).
bool isContiguous(MemRefType type) {
  if (type.getLayout().isIdentity())
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  int64_t expected = 1;
  for (int64_t dim = type.getRank() - 1; dim >= 0; --dim) {
    if (type.getDimSize(dim) == 1)
      continue;
    if (ShapedType::isDynamic(strides[dim]) || strides[dim] != expected)
      return false;
    // Past a dynamic size, the outer strides cannot be checked statically.
    if (dim > 0 && ShapedType::isDynamic(type.getDimSize(dim)))
      return false;
    expected *= type.getDimSize(dim);
  }
  return true;
}

/// A contiguous buffer holding `buffer`'s elements: `buffer` itself, or a copy.
Value contiguousCopy(RewriterBase &rewriter, Location loc, Value buffer, bool copyIn) {
  auto type = cast<MemRefType>(buffer.getType());
  if (isContiguous(type))
    return buffer;
  auto identity = MemRefType::get(type.getShape(), type.getElementType());
  SmallVector<Value> sizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      sizes.push_back(memref::DimOp::create(rewriter, loc, buffer, dim));
  Value copy = memref::AllocOp::create(rewriter, loc, identity, sizes);
  if (copyIn)
    memref::CopyOp::create(rewriter, loc, buffer, copy);
  return copy;
}

struct MicrokernelBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<MicrokernelBufferization,
                                                             MicrokernelOp> {
  /// Kernels overwrite their outputs without reading them.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    auto kernel = cast<MicrokernelOp>(op);
    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    SmallVector<Value> inputs, outputs, results;
    for (Value input : kernel.getInputs()) {
      if (!isa<TensorType>(input.getType())) {
        inputs.push_back(input);
        continue;
      }
      FailureOr<Value> buffer = bufferization::getBuffer(rewriter, input, options, state);
      if (failed(buffer))
        return failure();
      inputs.push_back(contiguousCopy(rewriter, loc, *buffer, /*copyIn=*/true));
    }
    for (Value output : kernel.getOutputs()) {
      FailureOr<Value> buffer = bufferization::getBuffer(rewriter, output, options, state);
      if (failed(buffer))
        return failure();
      results.push_back(*buffer);
      outputs.push_back(contiguousCopy(rewriter, loc, *buffer, /*copyIn=*/false));
    }
    MicrokernelOp::create(rewriter, loc, TypeRange{}, kernel.getKernelAttr(), inputs, outputs,
                          kernel.getScalars());
    for (auto [result, output] : llvm::zip(results, outputs))
      if (result != output)
        memref::CopyOp::create(rewriter, loc, output, result);
    bufferization::replaceOpWithBufferizedValues(rewriter, op, results);
    return success();
  }
};

struct LLMCWriteBackStatePass
    : llmc::cpu::impl::LLMCWriteBackStatePassBase<LLMCWriteBackStatePass> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      llvm::BitVector stateResults(function.getNumResults());
      for (unsigned index = 0; index < function.getNumResults(); ++index)
        if (function.getResultAttr(index, llmc::cpu::kStateOfAttr))
          stateResults.set(index);
      if (stateResults.none())
        continue;
      SmallVector<func::ReturnOp> returns(function.getOps<func::ReturnOp>());
      for (func::ReturnOp ret : returns) {
        OpBuilder builder(ret);
        for (unsigned index : stateResults.set_bits()) {
          auto argIndex = function.getResultAttrOfType<IntegerAttr>(index, llmc::cpu::kStateOfAttr);
          if (!argIndex || argIndex.getInt() < 0 ||
              argIndex.getInt() >= int64_t(function.getNumArguments()) ||
              !isa<MemRefType>(function.getArgument(argIndex.getInt()).getType())) {
            function.emitOpError()
                << "result " << index << " names no state argument in llmc.state_of";
            return signalPassFailure();
          }
          Value state = function.getArgument(argIndex.getInt());
          Value value = ret.getOperand(index);
          while (auto cast = value.getDefiningOp<memref::CastOp>())
            value = cast.getSource();
          if (value != state)
            memref::CopyOp::create(builder, ret.getLoc(), value, state);
        }
        ret->eraseOperands(stateResults);
      }
      if (failed(function.eraseResults(stateResults)))
        return signalPassFailure();
    }
  }
};

struct LLMCLowerMicrokernelsPass
    : llmc::cpu::impl::LLMCLowerMicrokernelsPassBase<LLMCLowerMicrokernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto pointer = LLVM::LLVMPointerType::get(context);
    SmallVector<MicrokernelOp> kernels;
    module.walk([&](MicrokernelOp kernel) { kernels.push_back(kernel); });
    for (MicrokernelOp kernel : kernels) {
      auto function = kernel->getParentOfType<func::FuncOp>();
      if (!kernel.getResults().empty() || !function || function.getNumArguments() == 0 ||
          !isa<LLVM::LLVMPointerType>(function.getArgumentTypes().back())) {
        kernel.emitOpError() << "must be bufferized and inside an entry point whose services "
                                "table llmc-plan-memory added";
        return signalPassFailure();
      }
      OpBuilder builder(kernel);
      Location loc = kernel.getLoc();
      SmallVector<Value> arguments;
      for (Value buffer : llvm::concat<Value>(kernel.getInputs(), kernel.getOutputs())) {
        auto type = cast<MemRefType>(buffer.getType());
        Value aligned = memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
        auto metadata = memref::ExtractStridedMetadataOp::create(builder, loc, buffer);
        int64_t elementBytes = (type.getElementTypeBitWidth() + 7) / 8;
        Value offset =
            arith::MulIOp::create(builder, loc, metadata.getOffset(),
                                  arith::ConstantIndexOp::create(builder, loc, elementBytes));
        Value address = arith::AddIOp::create(builder, loc, aligned, offset);
        Value integer = arith::IndexCastOp::create(builder, loc, builder.getI64Type(), address);
        arguments.push_back(LLVM::IntToPtrOp::create(builder, loc, pointer, integer));
      }
      llvm::append_range(arguments, kernel.getScalars());
      arguments.push_back(function.getArguments().back());
      auto calleeType = FunctionType::get(context, ValueRange(arguments).getTypes(), {});
      auto callee = module.lookupSymbol<func::FuncOp>(kernel.getKernel());
      if (!callee) {
        OpBuilder top(module.getBodyRegion());
        top.setInsertionPointToStart(module.getBody());
        callee = func::FuncOp::create(top, loc, kernel.getKernel(), calleeType);
        callee.setPrivate();
      } else if (callee.getFunctionType() != calleeType) {
        kernel.emitOpError() << "calls '" << kernel.getKernel() << "' with types " << calleeType
                             << " but it was declared as " << callee.getFunctionType();
        return signalPassFailure();
      }
      func::CallOp::create(builder, loc, callee, arguments);
      kernel.erase();
    }
  }
};

} // namespace

namespace llmc::cpu {
void registerMicrokernelBufferization(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, llm::LLMDialect *) {
    MicrokernelOp::attachInterface<MicrokernelBufferization>(*context);
  });
}
} // namespace llmc::cpu
