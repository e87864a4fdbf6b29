//===- TestSupport.h - Shared helpers of the runtime tests --------------------===//
#ifndef LLMC_TEST_RUNTIME_TESTSUPPORT_H
#define LLMC_TEST_RUNTIME_TESTSUPPORT_H

#include "llmc/runtime.h"
#include "runtime/schema/llmc_generated.h"
#include "runtime/writer/ArtifactWriter.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmc::test {

std::vector<uint8_t> readBytes(const std::string &path);
void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes);

/// The triple of this machine, as the compiler would write it.
std::string hostTriple();

/// The test kernels (test/runtime/kernels/test_kernels.c) built for this machine and for
/// aarch64.
std::vector<uint8_t> hostKernels();
std::vector<uint8_t> aarch64Kernels();

/// An architecture that is not this machine's (aarch64 on x86-64, x86-64 elsewhere), its
/// triple, and the test kernels built for it.
std::string otherArchitecture();
std::string otherTriple();
std::vector<uint8_t> otherKernels();

/// A model over the test kernels with one entry point per kernel: add_bias, add3d, views,
/// many_args_odd, many_args_even, parallel_double, positives, increment_i64, negative_size,
/// wrong_static_size (see the kernels for what each computes).
artifact::ModelSpec kernelModel();

/// A small model: only add_bias and its constant.
artifact::ModelSpec addBiasModel();

/// A language model's metadata (prefill/decode over two states, a 6-token tokenizer) with
/// symbols the test kernels do not export: load it with LLMC_MODEL_LOAD_FLAG_NO_CODE.
artifact::ModelSpec languageModel();

std::vector<uint8_t> serialize(const artifact::ModelSpec &model);

/// Serializes `spec`, applies `mutate` to its flatbuffer in place (scalars only), then fixes the
/// checksum, so that only the semantic checks can catch the change.
std::vector<uint8_t> mutated(const artifact::ModelSpec &spec,
                             const std::function<void(fb::Model *)> &mutate);

/// Loads from memory; returns "" on success (and releases the model) or the status message.
std::string loadError(const std::vector<uint8_t> &bytes, uint32_t flags = 0,
                      llmc_status_code_t *code = nullptr);

/// Owns a model for the length of a test.
struct ModelHandle {
  llmc_model_t *model = nullptr;
  ~ModelHandle() { llmc_model_release(model); }
};

/// Owns tensors for the length of a test.
struct Tensors {
  std::vector<llmc_tensor_t *> tensors;
  ~Tensors();
  llmc_tensor_t *add(llmc_tensor_t *tensor) {
    tensors.push_back(tensor);
    return tensor;
  }
};

/// A float tensor with the given dims and values (allocated by the runtime).
llmc_tensor_t *makeFloatTensor(const std::vector<int64_t> &dims, const std::vector<float> &values);

std::vector<float> floatValues(const llmc_tensor_t *tensor);

/// A fresh directory, removed with its contents at the end of the test.
class TempDir {
public:
  TempDir();
  ~TempDir();
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// Takes ownership of a status: "" for OK, else its message.
std::string consume(llmc_status_t status);

} // namespace llmc::test

#endif // LLMC_TEST_RUNTIME_TESTSUPPORT_H
