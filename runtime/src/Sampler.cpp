//===- Sampler.cpp - Temperature, top-k and top-p sampling ------------------===//
#include "runtime/src/Sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace llmc::runtime {

namespace {

uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

} // namespace

int32_t argmaxLogit(const float *logits, size_t count) {
  if (count == 0)
    return -1;
  size_t best = 0;
  float bestValue = -std::numeric_limits<float>::infinity();
  bool found = false;
  for (size_t i = 0; i < count; ++i) {
    float value = logits[i];
    if (std::isnan(value))
      continue;
    if (!found || value > bestValue) {
      best = i;
      bestValue = value;
      found = true;
    }
  }
  return int32_t(best);
}

Sampler::Sampler(const SamplerOptions &options) : samplerOptions(options) {
  uint64_t seed = options.seed;
  for (uint64_t &word : state)
    word = splitmix64(&seed);
}

// xoshiro256** (Blackman and Vigna).
uint64_t Sampler::next() {
  uint64_t result = rotateLeft(state[1] * 5, 7) * 9;
  uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = rotateLeft(state[3], 45);
  return result;
}

double Sampler::uniform() { return double(next() >> 11) * 0x1.0p-53; }

int32_t Sampler::sample(const float *logits, size_t count) {
  if (count == 0)
    return -1;
  const float temperature = samplerOptions.temperature;
  if (!(temperature > 0.0f))
    return argmaxLogit(logits, count);

  // Candidates: every logit that can carry probability.
  candidates.clear();
  bool anyInfinite = false;
  for (size_t i = 0; i < count; ++i) {
    float value = logits[i];
    if (std::isnan(value) || value == -std::numeric_limits<float>::infinity())
      continue;
    anyInfinite |= std::isinf(value);
    candidates.push_back(uint32_t(i));
  }
  if (candidates.empty())
    return argmaxLogit(logits, count);
  if (anyInfinite) {
    // +inf outweighs everything finite: share the probability among the +inf logits.
    candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                    [&](uint32_t i) { return !std::isinf(logits[i]); }),
                     candidates.end());
  }

  // Larger logit first, lower id first among equals: a total order, so the result is the same
  // whatever the standard library's sort does.
  auto before = [&](uint32_t a, uint32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  const bool useTopP = samplerOptions.topP < 1.0f; // NaN: off
  size_t keep = candidates.size();
  if (samplerOptions.topK > 0 && size_t(samplerOptions.topK) < keep) {
    keep = size_t(samplerOptions.topK);
    std::nth_element(candidates.begin(), candidates.begin() + std::ptrdiff_t(keep - 1),
                     candidates.end(), before);
    candidates.resize(keep);
  }
  if (useTopP)
    std::sort(candidates.begin(), candidates.end(), before);

  // Softmax of logits / temperature, in double, with the maximum subtracted.
  double maximum = -std::numeric_limits<double>::infinity();
  for (uint32_t i : candidates)
    maximum = std::max(maximum, double(logits[i]));
  weights.resize(keep);
  double total = 0.0;
  for (size_t k = 0; k < keep; ++k) {
    double value = double(logits[candidates[k]]);
    double weight = anyInfinite ? 1.0 : std::exp((value - maximum) / double(temperature));
    weights[k] = weight;
    total += weight;
  }

  if (useTopP) {
    // The smallest prefix of the descending probabilities that reaches topP (at least one).
    double target = double(std::max(samplerOptions.topP, 0.0f)) * total;
    double sum = 0.0;
    size_t prefix = 0;
    while (prefix < keep) {
      sum += weights[prefix++];
      if (sum >= target)
        break;
    }
    keep = prefix;
    total = sum;
  }

  double threshold = uniform() * total;
  double sum = 0.0;
  for (size_t k = 0; k < keep; ++k) {
    sum += weights[k];
    if (threshold < sum)
      return int32_t(candidates[k]);
  }
  return int32_t(candidates[keep - 1]); // rounding left the threshold at the very top
}

} // namespace llmc::runtime
