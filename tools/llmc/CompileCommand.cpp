//===- CompileCommand.cpp - `llmc compile` ----------------------------------===//
#include "tools/llmc/Commands.h"

#include "passes/Pipelines.h"
#include "passes/Registration.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace llmc::driver {

cl::OptionCategory optionCategory("llmc options");
cl::SubCommand compileCommand("compile", "Compile a model");

namespace {

enum class EmitKind { Mlir };

cl::opt<std::string> inputPath(cl::Positional, cl::desc("MODEL"), cl::Required,
                               cl::sub(compileCommand), cl::cat(optionCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for standard output)"),
                                cl::value_desc("OUT"), cl::init("-"), cl::sub(compileCommand),
                                cl::cat(optionCategory));
cl::opt<EmitKind>
    emitKind("emit", cl::desc("What to produce"), cl::init(EmitKind::Mlir),
             cl::values(clEnumValN(EmitKind::Mlir, "mlir", "the llm dialect after optimization")),
             cl::sub(compileCommand), cl::cat(optionCategory));
cl::opt<bool> noDecomposeBatchNorm("no-decompose-batch-norm",
                                   cl::desc("Keep llm.batch_norm instead of multiply and add"),
                                   cl::init(false), cl::sub(compileCommand),
                                   cl::cat(optionCategory));

int fail(const Twine &message) {
  errs() << "llmc compile: error: " << message << "\n";
  return 1;
}

} // namespace

int runCompile() {
  StringRef extension = sys::path::extension(inputPath);
  if (extension != ".mlir")
    return fail("unsupported input format '" + extension + "' for '" + inputPath +
                "': this build reads models written in the llm dialect (.mlir)");

  mlir::DialectRegistry registry;
  registerDialects(registry);
  mlir::MLIRContext context(registry);

  std::string errorMessage;
  std::unique_ptr<MemoryBuffer> input = mlir::openInputFile(inputPath, &errorMessage);
  if (!input)
    return fail(errorMessage);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
  // Diagnostics name the file, line and column of the op they are about.
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("could not parse '" + inputPath + "'");

  mlir::PassManager pm(&context);
  OptimizeOptions options;
  options.decomposeBatchNorm = !noDecomposeBatchNorm;
  buildOptimizePipeline(pm, options);
  if (failed(pm.run(*module)))
    return fail("the optimization pipeline failed on '" + inputPath + "'");

  std::unique_ptr<ToolOutputFile> output = mlir::openOutputFile(outputPath, &errorMessage);
  if (!output)
    return fail(errorMessage);
  switch (emitKind) {
  case EmitKind::Mlir:
    module->print(output->os());
    output->os() << "\n";
    break;
  }
  output->keep();
  return 0;
}

} // namespace llmc::driver
