//===- Registration.h - Everything the llmc tools register ------------------===//
#ifndef LLMC_PASSES_REGISTRATION_H
#define LLMC_PASSES_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace llmc {

/// The llm dialect and the upstream dialects llmc's pipelines produce or accept.
void registerDialects(mlir::DialectRegistry &registry);

/// Every llmc pass, the upstream passes the pipelines use, and the pipelines themselves.
void registerPasses();

} // namespace llmc

#endif // LLMC_PASSES_REGISTRATION_H
