//===- Sampler.h - Picking the next token from logits -----------------------===//
#ifndef LLMC_RUNTIME_SRC_SAMPLER_H
#define LLMC_RUNTIME_SRC_SAMPLER_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmc::runtime {

struct SamplerOptions {
  /// <= 0 (or NaN) picks the largest logit.
  float temperature = 0.8f;
  /// Keep only the topK largest logits; 0 (or >= the vocabulary) keeps all.
  int32_t topK = 40;
  /// Keep the smallest set of most probable tokens whose probabilities sum to topP; >= 1 keeps
  /// all.
  float topP = 0.95f;
  /// The same seed draws the same tokens on every platform.
  uint64_t seed = 0;
};

/// Temperature, top-k and top-p sampling with a portable generator (xoshiro256** seeded through
/// splitmix64). Not thread-safe: one Sampler per sequence.
class Sampler {
public:
  explicit Sampler(const SamplerOptions &options);

  /// The id of the token drawn from `logits[0..count)`, or -1 when count is 0. NaN logits are
  /// never drawn; +inf logits share all the probability; when no logit is a finite number or
  /// +inf, the result is the lowest id. Greedy decoding returns the lowest id among the largest.
  int32_t sample(const float *logits, size_t count);

  const SamplerOptions &options() const { return samplerOptions; }

private:
  uint64_t next();
  double uniform(); // [0, 1)

  SamplerOptions samplerOptions;
  uint64_t state[4];
  std::vector<uint32_t> candidates; // scratch, kept between calls
  std::vector<double> weights;
};

/// The greedy choice: the lowest index of the largest logit, NaN never winning; 0 when every
/// logit is NaN, -1 when count is 0.
int32_t argmaxLogit(const float *logits, size_t count);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_SAMPLER_H
