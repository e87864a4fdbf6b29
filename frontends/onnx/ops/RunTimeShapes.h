//===- RunTimeShapes.h - Building shapes that are known only at run time ---*- C++ -*-===//
//
// Helpers of the shape and reduction importers for shape-like values (a Shape, its slices and
// concatenations, axes, pads) whose values may be known only at run time: they fold what is
// known at import and keep the rest as llm ops on 1-D i64 tensors.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_FRONTENDS_ONNX_OPS_RUNTIMESHAPES_H
#define LLMC_FRONTENDS_ONNX_OPS_RUNTIMESHAPES_H

#include "frontends/onnx/Importer.h"

namespace llmc::onnx_frontend {

/// The entries of a 0-D or 1-D integer value as far as import knows them (kDynamic for an
/// entry known only at run time): constants, `llm.shape_of` of partly static shapes, and
/// slices, gathers, concatenations, reshapes and casts of those. None when the value is not a
/// 0-D or 1-D integer tensor of static length.
std::optional<llvm::SmallVector<int64_t>> knownEntries(mlir::Value value);

/// `value` itself, or a constant when every entry is known at import.
mlir::Value foldKnownEntries(NodeContext &node, mlir::Value value);

/// A 1-D i64 constant.
mlir::Value i64Vector(NodeContext &node, llvm::ArrayRef<int64_t> values);

/// An integer tensor as i64 (shapes, axes and bounds may come as i32).
mlir::FailureOr<mlir::Value> toI64(NodeContext &node, mlir::Value value, llvm::StringRef what);

/// The shape of `value` as a 1-D i64 tensor (a constant when it is static).
mlir::FailureOr<mlir::Value> shapeOf(NodeContext &node, mlir::Value value);

/// Marks a unit dim in `reshapeToSourceDims`.
inline constexpr int64_t kUnitDim = -1;

/// Reshapes `value` so that result dim `i` is dim `sources[i]` of `value`, or 1 where it is
/// kUnitDim (squeezes, unsqueezes): a static reshape when at most one dim is unknown, else a
/// reshape to the run-time shape.
mlir::FailureOr<mlir::Value> reshapeToSourceDims(NodeContext &node, mlir::Value value,
                                                 llvm::ArrayRef<int64_t> sources);

/// `llm.reshape` to the shape held in `shape` (ONNX rules: 0 copies a dim unless `allowZero`,
/// -1 is derived), with the result dims known at import written statically.
mlir::FailureOr<mlir::Value> runTimeReshape(NodeContext &node, mlir::Value input, mlir::Value shape,
                                            bool allowZero);

/// `llm.dynamic_slice` of `input`; the four vectors are integer tensors of one length.
mlir::FailureOr<mlir::Value> dynamicSlice(NodeContext &node, mlir::Value input, mlir::Value starts,
                                          mlir::Value ends, mlir::Value axes, mlir::Value steps);

/// `llm.broadcast_to` of `input` to the shape held in `shape` (ONNX Expand), with the result
/// dims known at import written statically.
mlir::FailureOr<mlir::Value> broadcastToRunTimeShape(NodeContext &node, mlir::Value input,
                                                     mlir::Value shape);

} // namespace llmc::onnx_frontend

#endif // LLMC_FRONTENDS_ONNX_OPS_RUNTIMESHAPES_H
