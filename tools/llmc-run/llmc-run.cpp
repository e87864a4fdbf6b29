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

#include <cstring>
#include <string>

int main(int argc, char **argv) {
  struct Command {
    const char *name;
    int (*main)(int, char **);
  };
  static const Command kCommands[] = {{"generate", llmc::cli::generateMain},
                                      {"bench", llmc::cli::benchMain},
                                      {"inspect", llmc::cli::inspectMain},
                                      {"run", llmc::cli::runMain}};
  if (argc >= 2)
    for (const Command &command : kCommands)
      if (std::strcmp(argv[1], command.name) == 0) {
        std::string name = std::string("llmc-run ") + command.name;
        argv[1] = name.data();
        return command.main(argc - 1, argv + 1);
      }
  return llmc::cli::runMain(argc, argv);
}
