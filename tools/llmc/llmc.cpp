//===- llmc.cpp - The llmc driver: compile models and run compiled ones -----===//
#include "tools/llmc/Commands.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

static void printVersion(llvm::raw_ostream &os) {
  os << "llmc " << LLMC_VERSION << " (LLVM " << LLVM_VERSION_STRING << ")\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::SetVersionPrinter(printVersion);
  // libLLVM registers hundreds of its own flags; `llmc --help` shows only llmc's.
  llvm::cl::HideUnrelatedOptions(llmc::driver::optionCategory);
  if (!llvm::cl::ParseCommandLineOptions(
          argc, argv,
          "llmc: an ahead-of-time compiler for machine-learning models\n\n"
          "  llmc compile MODEL -o OUT   compile a model (see `llmc compile --help`)\n",
          &llvm::errs()))
    return 2;
  if (llmc::driver::compileCommand)
    return llmc::driver::runCompile();
  llvm::errs() << "llmc: error: expected a subcommand; run `llmc --help` for the list\n";
  return 2;
}
