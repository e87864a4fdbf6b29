//===- Cli.h - `llmc-run` and `llmc inspect`, callable from any driver --------===//
//
// The command lines live in a library so that the standalone llmc-run binary and the compiler's
// `llmc run` / `llmc inspect` subcommands are one implementation. Neither links LLVM.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_RUNTIME_CLI_CLI_H
#define LLMC_RUNTIME_CLI_CLI_H

#include <cstdio>

namespace llmc::cli {

/// `llmc-run MODEL.llmc --input [NAME=]FILE ... [--output-dir DIR] [--entry NAME]
///  [--threads N] [--output-format npy|pb] [--compare DIR [--rtol R] [--atol A]]`.
/// argv[0] names the program in messages ("llmc-run", "llmc run"). Returns the exit code:
/// 0 success, 1 a load, run or comparison failure, 2 bad usage.
int runMain(int argc, char **argv);

/// `llmc inspect MODEL.llmc [--constants]`: prints what the artifact holds. Exit codes as
/// runMain.
int inspectMain(int argc, char **argv);

/// `llmc generate MODEL.llmc (-p TEXT | --prompt-ids IDS) [-n N] [--temp T] [--top-k K]
/// [--top-p P] [--seed S] [--threads N] [--print-ids] ...`: text generation with a language
/// model artifact. Exit codes as runMain.
int generateMain(int argc, char **argv);
int generateMain(int argc, char **argv, std::FILE *out, std::FILE *err);

/// `llmc bench MODEL.llmc [--input [NAME=]FILE ...] [--dim NAME=SIZE ...] [--entry NAME]
/// [--iterations N] [--warmup N] [--threads N] [--json]`: times an entry point and prints the
/// min, median, mean and p90 latency. Exit codes as runMain.
int benchMain(int argc, char **argv);
int benchMain(int argc, char **argv, std::FILE *out, std::FILE *err);

/// The same, writing to `out` and `err` instead of stdout and stderr.
int runMain(int argc, char **argv, std::FILE *out, std::FILE *err);
int inspectMain(int argc, char **argv, std::FILE *out, std::FILE *err);

/// The runtime's commands by name: when argv[1] is `run`, `generate`, `bench` or `inspect`,
/// runs it with argv[0] naming it "PROGRAM COMMAND" in messages and returns its exit code;
/// returns -1 when argv[1] is none of them. `llmc` and `llmc-run` both dispatch through it.
int runRuntimeCommand(const char *program, int argc, char **argv);

} // namespace llmc::cli

#endif // LLMC_RUNTIME_CLI_CLI_H
