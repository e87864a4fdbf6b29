//===- llmc.cpp - The llmc driver: compile models and run compiled ones -----===//
#include "runtime/cli/Cli.h"
#include "tools/llmc/Commands.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstring>
#include <string>

static void printVersion(llvm::raw_ostream &os) {
  os << "llmc " << LLMC_VERSION << " (LLVM " << LLVM_VERSION_STRING << ")\n";
}

static constexpr const char *kOverview =
    "llmc: an ahead-of-time compiler for machine-learning models\n\n"
    "  llmc compile MODEL -o OUT.llmc   compile an ONNX model (see `llmc compile --help`)\n"
    "  llmc run OUT.llmc --input FILE... --output-dir DIR\n"
    "                                   run a compiled model (see `llmc run --help`)\n"
    "  llmc inspect OUT.llmc            print an artifact's signature, target and sizes\n"
    "  llmc inspect MODEL.gguf          print a GGUF file's metadata and tensors\n"
    "  llmc generate OUT.llmc -p TEXT   generate text with a compiled GGUF language model\n"
    "                                   (see `llmc generate --help`)\n"
    "  llmc bench OUT.llmc [--json]     time a compiled model (see `llmc bench --help`)\n";

/// Whether `path` starts with the GGUF magic.
static bool isGGUF(const char *path) {
  char magic[4] = {};
  std::FILE *file = std::fopen(path, "rb");
  if (!file)
    return false;
  size_t read = std::fread(magic, 1, 4, file);
  std::fclose(file);
  return read == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "inspect") == 0 && isGGUF(argv[2]))
    return llmc::driver::inspectGGUF(argv[2]);
  // `run`, `generate`, `bench` and `inspect` are the runtime's own commands, shared with
  // llmc-run: they never load the compiler's option machinery.
  if (int code = llmc::cli::runRuntimeCommand("llmc", argc, argv); code >= 0)
    return code;
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::SetVersionPrinter(printVersion);
  // libLLVM registers hundreds of its own flags; `llmc --help` shows only llmc's.
  llvm::cl::HideUnrelatedOptions(llmc::driver::optionCategory);
  if (!llvm::cl::ParseCommandLineOptions(argc, argv, kOverview, &llvm::errs()))
    return 2;
  if (llmc::driver::compileCommand)
    return llmc::driver::runCompile();
  llvm::errs() << "llmc: error: expected a subcommand; run `llmc --help` for the list\n";
  return 2;
}
