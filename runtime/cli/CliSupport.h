//===- CliSupport.h - Shared pieces of the llmc-run and inspect command lines -===//
#ifndef LLMC_RUNTIME_CLI_CLISUPPORT_H
#define LLMC_RUNTIME_CLI_CLISUPPORT_H

#include "llmc/runtime.h"
#include "runtime/tools/TensorFile.h"

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

bool fileExists(const std::string &path);

/// "'name'", or the input's index when it has no name.
std::string inputLabel(const llmc_tensor_signature_t &signature, size_t index);

/// Chooses the entry point `name` (--entry), or the only one, or "main" when there are
/// several. Returns an exit code.
int selectEntryPoint(const Console &console, llmc_model_t *model, const std::string &name,
                     size_t *entry);

/// The entry point's info and the signatures of its inputs. Returns an exit code.
int inputSignatures(const Console &console, llmc_model_t *model, size_t entry,
                    llmc_entry_point_info_t *info,
                    std::vector<llmc_tensor_signature_t> *signatures);

/// Matches --input arguments to the signature: NAME=FILE where NAME is an input's name, then
/// the others in signature order. Sets *files (one per input) or returns an exit code.
int assignInputs(const Console &console, const std::vector<std::string> &specs,
                 const std::vector<llmc_tensor_signature_t> &signatures, const char *entryName,
                 std::vector<std::string> *files);

/// ONNX's test generator (up to 1.14) wrote bfloat16 tensors as UINT16 tensors holding the
/// bits, since numpy has no bfloat16: such a tensor stands for bf16 where bf16 is expected.
bool isBfloat16Bits(const tensorfile::HostTensor &tensor, llmc_dtype_t expected);

/// Converts what a file may hold for an input whose dtype no file format has (bf16 in .npy,
/// or as u16 bits in an ONNX tensor).
void adaptInput(const llmc_tensor_signature_t &signature, tensorfile::HostTensor *tensor);

/// Reads one tensor file per input and adapts it to its signature. Returns an exit code.
int readInputs(const Console &console, const std::vector<std::string> &files,
               const std::vector<llmc_tensor_signature_t> &signatures,
               std::vector<tensorfile::HostTensor> *inputs);

/// Copies each host tensor into a tensor from the system allocator (freeing the host copy's
/// data) and appends it to *tensors, which the caller releases. Returns an exit code.
int copyInputs(const Console &console, std::vector<tensorfile::HostTensor> &inputs,
               std::vector<llmc_tensor_t *> *tensors);

} // namespace llmc::cli

#endif // LLMC_RUNTIME_CLI_CLISUPPORT_H
