//===- Matchers.h - Helpers shared by the llm fusion passes -----------------===//
#ifndef LLMC_DIALECTS_LLM_TRANSFORMS_MATCHERS_H
#define LLMC_DIALECTS_LLM_TRANSFORMS_MATCHERS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace llmc::llm {

/// The value of a float constant splat whose shape only broadcasts (rank 0 or every dim 1), so
/// that combining it with a tensor never changes the tensor's shape.
inline std::optional<double> matchScalarConstant(mlir::Value value) {
  mlir::Attribute attr;
  if (!mlir::matchPattern(value, mlir::m_Constant(&attr)))
    return std::nullopt;
  auto splat = mlir::dyn_cast<mlir::SplatElementsAttr>(attr);
  if (!splat || !mlir::isa<mlir::FloatType>(splat.getElementType()))
    return std::nullopt;
  if (llvm::any_of(splat.getType().getShape(), [](int64_t size) { return size != 1; }))
    return std::nullopt;
  return splat.getSplatValue<llvm::APFloat>().convertToDouble();
}

} // namespace llmc::llm

#endif // LLMC_DIALECTS_LLM_TRANSFORMS_MATCHERS_H
