//===- FuzzONNX.cpp - libFuzzer target: the ONNX importer ------------------===//
//
// Parses the input as a serialized onnx.ModelProto and imports it into the llm dialect with
// llmc::onnx_frontend::importModelBytes, the path `llmc compile model.onnx` takes: the project's
// own validation of every node, attribute, initializer and shape, the importers of every op, the
// shape rules and folders of the llm ops they build. A model the importer accepts must then pass
// MLIR's verifier; one that does not is a bug in the importer, and the target aborts so that
// libFuzzer keeps the input.
//
// Each input gets a fresh MLIRContext: a context owns every attribute and type ever created in
// it, so a shared one would grow with every input. The model "lives" in a folder that does not
// exist, so that external data can only be refused or fail to open. libonnx's checker and shape
// inference, which `llmc compile` runs afterwards as a second opinion, are not fuzzed here
// (docs/security.md).
//
//===----------------------------------------------------------------------===//
#include "frontends/onnx/Importer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  std::string messages;
  mlir::ScopedDiagnosticHandler capture(&context, [&](mlir::Diagnostic &diagnostic) {
    messages += diagnostic.str();
    messages += '\n';
    return mlir::success();
  });
  llmc::onnx_frontend::ImportOptions options;
  mlir::OwningOpRef<mlir::ModuleOp> module = llmc::onnx_frontend::importModelBytes(
      llvm::ArrayRef<uint8_t>(data, size), "/nonexistent-llmc-fuzz/model.onnx", context, options);
  if (module && mlir::failed(mlir::verify(module->getOperation()))) {
    llvm::errs() << "llmc-fuzz-onnx: the importer accepted the model but built invalid IR:\n"
                 << messages;
    module->getOperation()->print(llvm::errs(), mlir::OpPrintingFlags().printGenericOpForm());
    std::abort();
  }
  return 0;
}
