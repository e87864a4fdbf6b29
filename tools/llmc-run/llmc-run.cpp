//===- llmc-run.cpp - Runs compiled models without the compiler ---------------===//
//
//   llmc-run MODEL.llmc ...            runs an entry point (llmc run's options)
//   llmc-run generate MODEL.llmc ...   text generation (llmc generate's options)
//   llmc-run bench MODEL.llmc ...      times an entry point (llmc bench's options)
//   llmc-run inspect MODEL.llmc ...    prints what the artifact holds (llmc inspect's options)
//
// The binary that goes to a device next to its artifacts: the runtime and the command lines
// only, no LLVM, MLIR or protobuf.
//
//===----------------------------------------------------------------------===//
#include "runtime/cli/Cli.h"

int main(int argc, char **argv) {
  int code = llmc::cli::runRuntimeCommand("llmc-run", argc, argv);
  return code >= 0 ? code : llmc::cli::runMain(argc, argv);
}
