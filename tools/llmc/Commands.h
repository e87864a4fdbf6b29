//===- Commands.h - The subcommands of the llmc driver ----------------------===//
#ifndef LLMC_TOOLS_LLMC_COMMANDS_H
#define LLMC_TOOLS_LLMC_COMMANDS_H

#include "llvm/Support/CommandLine.h"

namespace llmc::driver {

/// The category of every llmc option, so that --help hides LLVM's own.
extern llvm::cl::OptionCategory optionCategory;

/// `llmc compile`: import a model and run the compiler pipeline on it.
extern llvm::cl::SubCommand compileCommand;

/// Runs `llmc compile` with the options parsed into its subcommand; returns the exit code.
int runCompile();

/// `llmc inspect MODEL.gguf`: prints a GGUF file's metadata and tensors, or the first thing
/// wrong with it; returns the exit code.
int inspectGGUF(llvm::StringRef path);

} // namespace llmc::driver

#endif // LLMC_TOOLS_LLMC_COMMANDS_H
