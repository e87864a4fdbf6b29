//===- SamplerTest.cpp - Greedy, top-k, top-p and temperature sampling ------===//
//
// Every draw comes from a seeded generator, so the statistical checks are deterministic; their
// bounds are still several standard deviations wide so that they test the distribution, not one
// particular stream of numbers.
//
//===----------------------------------------------------------------------===//
#include "runtime/src/Sampler.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <vector>

namespace llmc::test {
namespace {

using runtime::argmaxLogit;
using runtime::Sampler;
using runtime::SamplerOptions;

const float nan = std::numeric_limits<float>::quiet_NaN();
const float inf = std::numeric_limits<float>::infinity();

SamplerOptions options(float temperature, int32_t topK, float topP, uint64_t seed) {
  SamplerOptions result;
  result.temperature = temperature;
  result.topK = topK;
  result.topP = topP;
  result.seed = seed;
  return result;
}

std::vector<int> counts(Sampler &sampler, const std::vector<float> &logits, int draws) {
  std::vector<int> result(logits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    int32_t id = sampler.sample(logits.data(), logits.size());
    EXPECT_GE(id, 0);
    EXPECT_LT(size_t(id), logits.size());
    if (id >= 0 && size_t(id) < logits.size())
      ++result[size_t(id)];
  }
  return result;
}

TEST(SamplerTest, GreedyIsArgmaxWithLowestIdOnTies) {
  Sampler sampler(options(0.0f, 40, 0.95f, 1));
  std::vector<float> logits = {1.0f, 3.0f, 2.0f, -4.0f};
  EXPECT_EQ(sampler.sample(logits.data(), logits.size()), 1);
  logits = {3.0f, 1.0f, 3.0f};
  EXPECT_EQ(sampler.sample(logits.data(), logits.size()), 0);
  logits = {-2.0f};
  EXPECT_EQ(sampler.sample(logits.data(), logits.size()), 0);
  EXPECT_EQ(sampler.sample(logits.data(), 0), -1);
  // A negative temperature is greedy too.
  Sampler negative(options(-1.0f, 0, 1.0f, 1));
  logits = {0.5f, 0.25f, 0.75f};
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(negative.sample(logits.data(), logits.size()), 2);
}

TEST(SamplerTest, GreedyNaNNeverWinsAndInfinitiesOrder) {
  std::vector<float> logits = {nan, 1.0f, nan, 2.0f, nan};
  EXPECT_EQ(argmaxLogit(logits.data(), logits.size()), 3);
  logits = {nan, nan};
  EXPECT_EQ(argmaxLogit(logits.data(), logits.size()), 0);
  logits = {-inf, -inf, -5.0f};
  EXPECT_EQ(argmaxLogit(logits.data(), logits.size()), 2);
  logits = {nan, -inf, -inf};
  EXPECT_EQ(argmaxLogit(logits.data(), logits.size()), 1);
  logits = {1.0f, inf, inf};
  EXPECT_EQ(argmaxLogit(logits.data(), logits.size()), 1);
  logits = {nan, 1e30f, -1e30f};
  EXPECT_EQ(argmaxLogit(logits.data(), logits.size()), 1);
}

TEST(SamplerTest, SamplingSkipsNaNAndNegativeInfinity) {
  Sampler sampler(options(1.0f, 0, 1.0f, 7));
  std::vector<int> c = counts(sampler, {nan, 0.0f, nan}, 1000);
  EXPECT_EQ(c[1], 1000);
  c = counts(sampler, {-inf, 0.0f, 0.0f, nan}, 2000);
  EXPECT_EQ(c[0], 0);
  EXPECT_EQ(c[3], 0);
  EXPECT_GT(c[1], 800);
  EXPECT_GT(c[2], 800);
  // +inf takes all the probability, shared among the +inf logits.
  c = counts(sampler, {inf, 100.0f, inf}, 2000);
  EXPECT_EQ(c[1], 0);
  EXPECT_GT(c[0], 800);
  EXPECT_GT(c[2], 800);
  // Nothing usable: the lowest id, as greedy.
  std::vector<float> none = {nan, -inf, nan};
  EXPECT_EQ(sampler.sample(none.data(), none.size()), 1);
}

TEST(SamplerTest, TopKOneIsGreedy) {
  Sampler sampler(options(1.5f, 1, 1.0f, 3));
  std::vector<float> logits(1000);
  uint32_t x = 12345;
  for (int round = 0; round < 50; ++round) {
    for (float &logit : logits) {
      x = x * 1664525u + 1013904223u;
      logit = float(x >> 8) / float(1 << 24) * 10.0f - 5.0f;
    }
    EXPECT_EQ(sampler.sample(logits.data(), logits.size()),
              argmaxLogit(logits.data(), logits.size()));
  }
}

TEST(SamplerTest, TopKKeepsOnlyTheLargest) {
  Sampler sampler(options(2.0f, 3, 1.0f, 11));
  std::vector<float> logits = {0.0f, 5.0f, 1.0f, 4.9f, 4.8f, 4.7f, 0.5f};
  std::vector<int> c = counts(sampler, logits, 5000);
  EXPECT_GT(c[1], 0);
  EXPECT_GT(c[3], 0);
  EXPECT_GT(c[4], 0);
  EXPECT_EQ(c[0] + c[2] + c[5] + c[6], 0);
}

TEST(SamplerTest, SameSeedSameSequenceDifferentSeedDifferent) {
  std::vector<float> logits = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
  auto run = [&](uint64_t seed) {
    Sampler sampler(options(1.0f, 0, 1.0f, seed));
    std::vector<int32_t> ids;
    for (int i = 0; i < 200; ++i)
      ids.push_back(sampler.sample(logits.data(), logits.size()));
    return ids;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_EQ(run(0), run(0));
  EXPECT_NE(run(42), run(43));
  EXPECT_NE(run(0), run(1));
}

TEST(SamplerTest, TopPCutsTheTail) {
  // Probabilities 0.6, 0.35, 0.049, 0.001: the smallest prefix reaching 0.9 is the first two.
  std::vector<float> logits = {std::log(0.6f), std::log(0.35f), std::log(0.049f), std::log(0.001f)};
  Sampler cut(options(1.0f, 0, 0.9f, 5));
  std::vector<int> c = counts(cut, logits, 10000);
  EXPECT_EQ(c[2], 0);
  EXPECT_EQ(c[3], 0);
  // Renormalized: 0.6 / 0.95 and 0.35 / 0.95.
  EXPECT_NEAR(c[0] / 10000.0, 0.6 / 0.95, 0.02);
  EXPECT_NEAR(c[1] / 10000.0, 0.35 / 0.95, 0.02);
  // Without the cut the third token does appear.
  Sampler all(options(1.0f, 0, 1.0f, 5));
  c = counts(all, logits, 10000);
  EXPECT_GT(c[2], 0);
  // A tiny top-p still keeps the most probable token.
  Sampler one(options(1.0f, 0, 1e-6f, 5));
  c = counts(one, logits, 1000);
  EXPECT_EQ(c[0], 1000);
}

TEST(SamplerTest, FrequenciesMatchTemperatureSoftmax) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 2.5f};
  for (float temperature : {0.7f, 1.0f, 1.8f}) {
    Sampler sampler(options(temperature, 0, 1.0f, 2024));
    const int draws = 20000;
    std::vector<int> c = counts(sampler, logits, draws);
    double total = 0.0;
    std::vector<double> expected(logits.size());
    for (size_t i = 0; i < logits.size(); ++i)
      total += expected[i] = std::exp(double(logits[i]) / temperature);
    for (size_t i = 0; i < logits.size(); ++i) {
      double p = expected[i] / total;
      // Five standard deviations of a binomial proportion, at least 0.005.
      double bound = std::max(0.005, 5.0 * std::sqrt(p * (1.0 - p) / draws));
      EXPECT_NEAR(double(c[i]) / draws, p, bound) << "temperature " << temperature << " id " << i;
    }
  }
}

TEST(SamplerTest, TopKAndTopPTogetherFollowTheRenormalizedSoftmax) {
  // top-k 3 keeps ids 4, 5, 1; at temperature 1 their probabilities are proportional to
  // e^3, e^2.5, e^2 = 0.506, 0.307, 0.186; top-p 0.8 then keeps ids 4 and 5.
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 2.5f};
  Sampler sampler(options(1.0f, 3, 0.8f, 99));
  std::vector<int> c = counts(sampler, logits, 20000);
  EXPECT_EQ(c[0] + c[1] + c[2] + c[3], 0);
  double p4 = std::exp(3.0) / (std::exp(3.0) + std::exp(2.5));
  EXPECT_NEAR(c[4] / 20000.0, p4, 0.02);
}

} // namespace
} // namespace llmc::test
