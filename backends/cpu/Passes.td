//===- Passes.td - Passes of the CPU backend --------------------------------===//
#ifndef LLMC_BACKENDS_CPU_PASSES_TD
#define LLMC_BACKENDS_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMCOutlineConstantsPass : Pass<"llmc-outline-constants", "::mlir::ModuleOp"> {
  let summary = "Move large tensor constants out of the code into the artifact's constants table";
  let description = [{
    Weights do not belong in code: the runtime maps them from the artifact without copying.
    Every `arith.constant` tensor with at least `min-elements` elements in a public function
    becomes a new trailing argument of that function, marked with
    `llmc.constant = <the value>`. The compiler moves those values into the artifact's constants
    table, in argument order, and the runtime passes them back as arguments. Smaller constants
    stay in the code object's read-only data.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"64",
           "Smallest constant, in elements, that moves into the constants table">
  ];
}

def LLMCFuseElementwisePass : Pass<"llmc-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg ops, with a bound on the fused body";
  let description = [{
    Upstream's elementwise fusion of `linalg.generic` ops (a producer with one use fuses into
    its consumer, reshapes fold by expansion, constants fold), except that a fusion whose op
    would hold more than `max-body-ops` operations in its body is not made. Fusing clones the
    producer's body into the consumer's, so a chain of n ops fused into one costs n^2 / 2
    clones; bounded, a chain of any length fuses in linear time into ops of at most
    `max-body-ops` operations. Elementwise chains of real models are far shorter.
  }];
  let options = [
    Option<"maxBodyOps", "max-body-ops", "int64_t", /*default=*/"256",
           "The most operations the body of a fused op may hold">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LLMCPlanMemoryPass : Pass<"llmc-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place every statically sized buffer in one scratch arena planned from liveness";
  let description = [{
    Runs after bufferization. Each public function gets a trailing `memref<?xi8>` scratch
    argument and a trailing `!llvm.ptr` argument for the runtime's services table. Every
    `memref.alloc` with a static shape becomes a `memref.view` into the scratch arena at an
    offset chosen at compile time: buffers whose lifetimes (from the allocation to the last use
    of the buffer or of any view of it, in program order) do not overlap share bytes, first fit,
    64-byte aligned. The arena size is recorded as `llmc.scratch_bytes` on the function.

    A buffer whose size is known only at run time stays a `memref.alloc`;
    `llmc-route-allocations` later sends it to the runtime's allocator.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def LLMCRouteAllocationsPass : Pass<"llmc-route-allocations", "::mlir::ModuleOp"> {
  let summary = "Send run-time-sized allocations to the runtime's services table";
  let description = [{
    Runs on the LLVM dialect. Code objects import nothing, so the `malloc` calls that
    `finalize-memref-to-llvm` emits for buffers sized at run time become indirect calls of
    `services->allocate(services, size, 64)`, where `services` is the entry function's last
    argument (see `runtime/include/llmc/abi.h`). The runtime frees those buffers after the call;
    `free` calls are dropped. A `malloc` in a function without the services argument is an error.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def LLMCRouteChecksPass : Pass<"llmc-route-checks", "::mlir::ModuleOp"> {
  let summary = "Send failed run-time checks (`cf.assert`) to the runtime's services table";
  let description = [{
    Runs after `convert-scf-to-cf`. Code objects import nothing, so a `cf.assert` cannot print
    and abort. In a function with the services argument, each one becomes a branch that calls
    `services->fail(services, message)` with the assertion's message in read-only data, when
    the services table has that field (version 3, see `runtime/include/llmc/abi.h`); the runtime
    then abandons the call and returns an error status carrying the message. The code after a
    check stays memory-safe on its own, so elsewhere the assertion is dropped.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::cf::ControlFlowDialect"];
}

def LLMCApproximateMathPass : Pass<"llmc-approximate-math"> {
  let summary = "Rewrite math functions as polynomial approximations and plain arithmetic";
  let description = [{
    Compiled code objects are freestanding, so `exp`, `log`, `tanh`, `erf`, `powf` and the like
    cannot call libm. This pass expands compound functions (`powf`, `rsqrt`, ...) into simpler
    ones and replaces transcendental functions with MLIR's polynomial approximations, leaving
    only operations that LLVM lowers to instructions. The approximations are f32 ones: a
    transcendental function on f64 is computed in f32 and widened back (about 7 significant
    digits).
  }];
  let dependentDialects = ["::mlir::math::MathDialect", "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect", "::mlir::x86vector::X86VectorDialect"];
}


def LLMCWriteBackStatePass : Pass<"llmc-write-back-state", "::mlir::ModuleOp"> {
  let summary = "Make state results (a KV cache) land in the state arguments' buffers";
  let description = [{
    An entry point argument marked `llmc.state` is a buffer the runtime keeps between calls (a
    KV cache); the result marked `llmc.state_of = <argument index>` is its new value. After
    bufferization this pass makes sure that new value is in the argument's buffer: when
    bufferization already wrote it in place (the usual case) nothing is added, otherwise a
    `memref.copy` is. Then the result is dropped, so the runtime sees state only as an
    argument it owns.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def LLMCLowerMicrokernelsPass : Pass<"llmc-lower-microkernels", "::mlir::ModuleOp"> {
  let summary = "Turn `llm.microkernel` on memrefs into calls of the linked kernels";
  let description = [{
    Each buffer operand is passed as the address of its first element (kernels read contiguous
    row-major data), each scalar as is, and the runtime's services table (the entry point's
    last argument, added by `llmc-plan-memory`) last. The kernels themselves
    (backends/cpu/kernels) are linked into the module when it is translated to LLVM IR.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect", "::mlir::arith::ArithDialect"];
}

def LLMCParallelizeLoopsPass : Pass<"llmc-parallelize-loops", "::mlir::ModuleOp"> {
  let summary = "Run the linalg loops of entry points on the runtime's threads";
  let description = [{
    Each `linalg` op on buffers (named ops generalized) in a function that has the runtime's
    services table becomes a call of `llmc_mk_parallel_loop` (backends/cpu/kernels/parallel.c),
    which runs an outlined body over chunks of one parallel loop dimension on the services'
    `parallel_for`. The dimension is the largest parallel one (a dynamic size counts as the
    largest) that every operand indexes plainly (no `d0 + d1` windows) and every output has; the
    body applies the op to views of its operands over the chunk `[begin, end)` and shifts
    `linalg.index` of that dimension by `begin`. The operands' buffers travel as their
    descriptors' words (address, offset, sizes, strides) in a context on the caller's stack.
    Ops whose loops are statically smaller than `min-work` iterations stay where they are, and a
    chunk covers at least `grain-work` iterations, so small loops run on the calling thread. Ops
    whose region uses values defined outside it (other than constants) are left alone.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", "32768",
           "Static iteration counts below this stay on the calling thread">,
    Option<"grainWork", "grain-work", "int64_t", "4096",
           "Iterations per chunk at least">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect", "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // LLMC_BACKENDS_CPU_PASSES_TD
