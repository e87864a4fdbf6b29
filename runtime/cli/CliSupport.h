//===- CliSupport.h - Shared pieces of the llmc-run and inspect command lines -===//
#ifndef LLMC_RUNTIME_CLI_CLISUPPORT_H
#define LLMC_RUNTIME_CLI_CLISUPPORT_H

#include "llmc/runtime.h"

#include <cstdio>
#include <string>
#include <vector>

namespace llmc::cli {

/// Exit codes shared by every command.
enum ExitCode { kSuccess = 0, kFailure = 1, kUsage = 2 };

/// Prints one-line errors as "<program>: error: <message>".
class Console {
public:
  Console(const char *argv0, std::FILE *out, std::FILE *err);
  const std::string &program() const { return program_; }
  std::FILE *out() const { return out_; }
  /// Prints the message and a hint to --help; returns kUsage.
  int usage(const std::string &message) const;
  /// Prints the message; returns kFailure.
  int failure(const std::string &message) const;
  /// Prints the status's message, frees the status; returns kFailure.
  int failure(llmc_status_t status) const;

private:
  std::string program_;
  std::FILE *out_, *err_;
};

/// Iterates over "--name value" and "--name=value" arguments and positional ones.
class ArgumentReader {
public:
  ArgumentReader(int argc, char **argv) : argc_(argc), argv_(argv) {}
  bool done() const { return index_ >= argc_; }
  /// The next argument; sets *isOption for "--x"/"-x" (with any "=value" split off).
  std::string next(bool *isOption);
  /// The value of the option just returned: its "=value", or the next argument.
  bool value(std::string *out);

private:
  int argc_;
  char **argv_;
  int index_ = 1;
  bool haveInlineValue_ = false;
  std::string inlineValue_;
};

/// "f32[N, 3, ?]": static sizes, symbols, or "?" for anonymous dynamic dims.
std::string signatureString(const llmc_tensor_signature_t &signature);

/// "[2, 3]".
std::string dimsString(const int64_t *dims, size_t rank);

/// Parses a finite double >= 0, or an integer in [minimum, maximum].
bool parseNonNegativeDouble(const std::string &text, double *out);
bool parseInteger(const std::string &text, long long minimum, long long maximum, long long *out);

/// Creates a directory and its parents; false with a message on failure.
bool makeDirectories(const std::string &path, std::string *error);

} // namespace llmc::cli

#endif // LLMC_RUNTIME_CLI_CLISUPPORT_H
