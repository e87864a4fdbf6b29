//===- CompileCommand.cpp - `llmc compile` ----------------------------------===//
#include "tools/llmc/Commands.h"

#include "backends/cpu/Compile.h"
#include "frontends/gguf/Importer.h"
#include "frontends/onnx/Importer.h"
#include "passes/Pipelines.h"
#include "passes/Registration.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstdio>
#include <cstring>

using namespace llvm;

namespace llmc::driver {

cl::OptionCategory optionCategory("llmc options");
cl::SubCommand compileCommand("compile",
                              "Compile a model (.onnx, .gguf or .mlir) into a .llmc artifact");

namespace {

enum class EmitKind { Artifact, Mlir, LLVMIR, Assembly, Object };

cl::opt<std::string> inputPath(cl::Positional, cl::desc("MODEL"), cl::Required,
                               cl::sub(compileCommand), cl::cat(optionCategory));
cl::opt<std::string> outputPath("o",
                                cl::desc("Output file ('-' for standard output); default: "
                                         "MODEL with the emitted kind's extension"),
                                cl::value_desc("OUT"), cl::sub(compileCommand),
                                cl::cat(optionCategory));
cl::opt<EmitKind>
    emitKind("emit", cl::desc("What to produce"), cl::init(EmitKind::Artifact),
             cl::values(clEnumValN(EmitKind::Artifact, "llmc", "the .llmc artifact (default)"),
                        clEnumValN(EmitKind::Mlir, "mlir", "the llm dialect after optimization"),
                        clEnumValN(EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
                        clEnumValN(EmitKind::Assembly, "asm", "target assembly"),
                        clEnumValN(EmitKind::Object, "obj", "the relocatable object file")),
             cl::sub(compileCommand), cl::cat(optionCategory));
cl::opt<std::string> targetTriple("target", cl::desc("LLVM target triple (default: the host)"),
                                  cl::value_desc("TRIPLE"), cl::sub(compileCommand),
                                  cl::cat(optionCategory));
cl::opt<std::string> targetCpu("cpu",
                               cl::desc("Target CPU (default: the host CPU for native builds, "
                                        "generic for cross builds)"),
                               cl::value_desc("CPU"), cl::sub(compileCommand),
                               cl::cat(optionCategory));
cl::opt<std::string> targetFeatures("features", cl::desc("Target features, e.g. +avx2,-avx512f"),
                                    cl::value_desc("FEATURES"), cl::sub(compileCommand),
                                    cl::cat(optionCategory));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level of the generated code (0-3)"),
                           cl::Prefix, cl::init(3), cl::sub(compileCommand),
                           cl::cat(optionCategory));
cl::list<std::string> inputShapes("input-shape", cl::desc("Pin an input's shape: NAME=1x3x224x224"),
                                  cl::value_desc("NAME=DIMS"), cl::sub(compileCommand),
                                  cl::cat(optionCategory));
cl::opt<bool> checkOnly("check",
                        cl::desc("List every node that cannot be imported, without compiling"),
                        cl::init(false), cl::sub(compileCommand), cl::cat(optionCategory));
cl::opt<int64_t> contextLength(
    "context-length",
    cl::desc("GGUF language models: the KV cache capacity in tokens (default: the model's "
             "context length, at most 4096)"),
    cl::value_desc("N"), cl::init(0), cl::sub(compileCommand), cl::cat(optionCategory));
cl::opt<bool> noDecomposeBatchNorm("no-decompose-batch-norm",
                                   cl::desc("Keep llm.batch_norm instead of multiply and add"),
                                   cl::init(false), cl::sub(compileCommand),
                                   cl::cat(optionCategory));

cl::list<std::string> noFuse(
    "no-fuse",
    cl::desc("Skip fusion passes, to measure what they bring: norms (llm-fuse-norms), "
             "gelu (llm-fuse-gelu), attention (llm-fuse-attention), linear (llm-fuse-linear)"),
    cl::value_desc("PASS,..."), cl::CommaSeparated, cl::sub(compileCommand),
    cl::cat(optionCategory));

int fail(const Twine &message) {
  errs() << "llmc compile: error: " << message << "\n";
  return 1;
}

/// Prints diagnostics about models (whose locations are the model file) as one line each.
void printDiagnostic(mlir::Diagnostic &diagnostic) {
  const char *severity = diagnostic.getSeverity() == mlir::DiagnosticSeverity::Error     ? "error"
                         : diagnostic.getSeverity() == mlir::DiagnosticSeverity::Warning ? "warning"
                                                                                         : "note";
  errs() << "llmc compile: " << severity << ": ";
  mlir::Location loc = diagnostic.getLocation();
  if (auto name = dyn_cast<mlir::NameLoc>(loc))
    errs() << name.getName().getValue() << ": ";
  else if (auto file = dyn_cast<mlir::FileLineColLoc>(loc))
    errs() << file.getFilename().getValue() << ":" << file.getLine() << ":" << file.getColumn()
           << ": ";
  errs() << diagnostic << "\n";
  for (mlir::Diagnostic &note : diagnostic.getNotes())
    errs() << "  note: " << note << "\n";
}

bool parseInputShapes(onnx_frontend::ImportOptions &options) {
  for (const std::string &entry : inputShapes) {
    StringRef text(entry);
    auto [name, dims] = text.rsplit('=');
    if (name.empty() || dims.empty() || !text.contains('=')) {
      fail("--input-shape '" + entry + "' is not NAME=DIMS (for example x=1x3x224x224)");
      return false;
    }
    std::vector<int64_t> shape;
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    for (StringRef part : parts) {
      int64_t size;
      if (part.getAsInteger(10, size) || size < 0) {
        fail("--input-shape '" + entry + "': '" + part + "' is not a dimension size");
        return false;
      }
      shape.push_back(size);
    }
    options.inputShapes[name] = shape;
  }
  return true;
}

std::string defaultOutput(StringRef input, EmitKind kind) {
  if (kind == EmitKind::Mlir || kind == EmitKind::LLVMIR || kind == EmitKind::Assembly)
    return "-";
  SmallString<256> path(sys::path::filename(input));
  sys::path::replace_extension(path, kind == EmitKind::Object ? ".o" : ".llmc");
  return path.str().str();
}

} // namespace

int runCompile() {
  StringRef extension = sys::path::extension(inputPath);
  bool isOnnx = extension == ".onnx", isGGUF = extension == ".gguf";
  // A GGUF file is recognized by its magic whatever its name.
  if (!isOnnx && !isGGUF && extension != ".mlir") {
    char magic[4] = {};
    if (std::FILE *file = std::fopen(inputPath.c_str(), "rb")) {
      isGGUF = std::fread(magic, 1, 4, file) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
      std::fclose(file);
    }
  }
  if (!isOnnx && !isGGUF && extension != ".mlir")
    return fail("unsupported input format '" + extension + "' for '" + inputPath +
                "': llmc reads ONNX models (.onnx), GGUF language models (.gguf) and the llm "
                "dialect (.mlir)");
  if (contextLength < 0 || contextLength > (int64_t(1) << 24))
    return fail("--context-length " + Twine(contextLength) + " is not a token count");
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel) + " is not an optimization level (use -O0 to -O3)");
  onnx_frontend::ImportOptions importOptions;
  if (!parseInputShapes(importOptions))
    return 1;

  registerPasses();
  mlir::DialectRegistry registry;
  registerDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  if (checkOnly) {
    if (!isOnnx)
      return fail("--check reads ONNX models");
    std::vector<std::string> problems;
    std::string fileError;
    if (!onnx_frontend::checkModel(inputPath, context, importOptions, problems, fileError))
      return fail(fileError);
    for (const std::string &problem : problems)
      outs() << inputPath << ": " << problem << "\n";
    outs() << inputPath << ": " << problems.size() << " unsupported node(s)\n";
    return problems.empty() ? 0 : 1;
  }

  mlir::OwningOpRef<mlir::ModuleOp> module;
  SourceMgr sourceMgr;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> sourceDiagnostics;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> modelDiagnostics;
  artifact::LanguageModelSpec languageModel;
  if (isGGUF) {
    gguf::ImportOptions ggufOptions;
    ggufOptions.contextLength = contextLength;
    std::string error;
    module = gguf::importModel(inputPath, context, ggufOptions, languageModel, error);
    if (!module)
      return fail(error);
  } else if (isOnnx) {
    modelDiagnostics =
        std::make_unique<mlir::ScopedDiagnosticHandler>(&context, [](mlir::Diagnostic &diagnostic) {
          printDiagnostic(diagnostic);
          return mlir::success();
        });
    module = onnx_frontend::importModel(inputPath, context, importOptions);
    if (!module)
      return fail("could not import '" + inputPath + "'");
  } else {
    std::string errorMessage;
    std::unique_ptr<MemoryBuffer> input = mlir::openInputFile(inputPath, &errorMessage);
    if (!input)
      return fail(errorMessage);
    sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
    // Diagnostics name the file, line and column of the op they are about.
    sourceDiagnostics = std::make_unique<mlir::SourceMgrDiagnosticHandler>(sourceMgr, &context);
    module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
    if (!module)
      return fail("could not parse '" + inputPath + "'");
  }

  mlir::PassManager pm(&context);
  OptimizeOptions options;
  options.decomposeBatchNorm = !noDecomposeBatchNorm;
  for (const std::string &pass : noFuse) {
    if (pass == "norms")
      options.fuseNorms = false;
    else if (pass == "gelu")
      options.fuseGelu = false;
    else if (pass == "attention")
      options.fuseAttention = false;
    else if (pass == "linear")
      options.fuseLinear = false;
    else
      return fail("--no-fuse: unknown fusion pass '" + pass +
                  "' (expected norms, gelu, attention or linear)");
  }
  buildOptimizePipeline(pm, options);
  if (failed(pm.run(*module)))
    return fail("the optimization pipeline failed on '" + inputPath + "'");

  std::string output =
      outputPath.getNumOccurrences() ? outputPath.getValue() : defaultOutput(inputPath, emitKind);
  if (emitKind == EmitKind::Mlir) {
    std::string errorMessage;
    std::unique_ptr<ToolOutputFile> file = mlir::openOutputFile(output, &errorMessage);
    if (!file)
      return fail(errorMessage);
    module->print(file->os());
    file->os() << "\n";
    file->keep();
    return 0;
  }

  cpu::CompileOptions compileOptions;
  compileOptions.target.triple = targetTriple;
  compileOptions.target.cpu = targetCpu;
  compileOptions.target.features = targetFeatures;
  compileOptions.target.optLevel = optLevel;
  compileOptions.outputPath = output;
  compileOptions.producer = std::string("llmc ") + LLMC_VERSION;
  compileOptions.languageModel = std::move(languageModel);
  if (auto name = (*module)->getAttrOfType<mlir::StringAttr>("llmc.model_name"))
    compileOptions.modelName = name.str();
  else
    compileOptions.modelName = sys::path::stem(inputPath).str();
  switch (emitKind) {
  case EmitKind::Artifact:
    compileOptions.emit = cpu::EmitKind::Artifact;
    break;
  case EmitKind::LLVMIR:
    compileOptions.emit = cpu::EmitKind::LLVMIR;
    break;
  case EmitKind::Assembly:
    compileOptions.emit = cpu::EmitKind::Assembly;
    break;
  case EmitKind::Object:
    compileOptions.emit = cpu::EmitKind::Object;
    break;
  case EmitKind::Mlir:
    break;
  }
  if (failed(cpu::compile(*module, compileOptions)))
    return fail("compiling '" + inputPath + "' failed");
  return 0;
}

} // namespace llmc::driver
