//===- MemoryBandwidth.cpp - llmc-membw: the machine's read bandwidth -------===//
//
//   llmc-membw [--mib N] [--threads T] [--repeats R]
//
// Streams through an N MiB buffer (default 1024) on T threads (default 1), each summing its own
// contiguous slice, and prints the best of R passes (default 10) at each of four software
// prefetch distances (none, 1, 3 and 6 KiB ahead), in GB/s.
// Decode of a language model reads every weight once per token, so this read bandwidth, for a
// buffer the size of the model's weights, bounds the tokens per second a decoder can reach.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Sums `count` 64-bit words with eight independent accumulators (one cache line per step), so
/// the loop is limited by loads, not by additions.
/// With a `prefetch` distance (in 8-byte words), each step also asks for the line that far
/// ahead, as the decode kernels do; the fastest of the distances tried is the bound.
__attribute__((noinline)) uint64_t sumWords(const uint64_t *words, size_t count, size_t prefetch) {
  uint64_t a[8] = {};
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    if (prefetch)
      __builtin_prefetch(words + i + prefetch);
    for (int j = 0; j < 8; ++j)
      a[j] += words[i + j];
  }
  for (; i < count; ++i)
    a[0] += words[i];
  return a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
}

bool parse(const char *text, long long minimum, long long maximum, long long *out) {
  char *end = nullptr;
  long long value = std::strtoll(text, &end, 10);
  if (!*text || *end || value < minimum || value > maximum)
    return false;
  *out = value;
  return true;
}

} // namespace

int main(int argc, char **argv) {
  long long mib = 1024, threads = 1, repeats = 10;
  for (int i = 1; i < argc; ++i) {
    std::string option = argv[i];
    long long *target = option == "--mib"       ? &mib
                        : option == "--threads" ? &threads
                        : option == "--repeats" ? &repeats
                                                : nullptr;
    if (option == "-h" || option == "--help") {
      std::printf("usage: llmc-membw [--mib N] [--threads T] [--repeats R]\n");
      return 0;
    }
    if (!target || i + 1 >= argc || !parse(argv[++i], 1, 1 << 20, target)) {
      std::fprintf(stderr, "llmc-membw: error: bad or incomplete option '%s'\n", option.c_str());
      return 2;
    }
  }
  size_t words = size_t(mib) << 17; // MiB / 8 bytes
  uint64_t *buffer = static_cast<uint64_t *>(std::aligned_alloc(64, words * sizeof(uint64_t)));
  if (!buffer) {
    std::fprintf(stderr, "llmc-membw: error: cannot allocate %lld MiB\n", mib);
    return 1;
  }
  for (size_t i = 0; i < words; ++i)
    buffer[i] = i;
  std::vector<uint64_t> sums(static_cast<size_t>(threads), 0);
  double best = 0;
  // No software prefetch, then 1, 3 and 6 KiB ahead.
  const size_t distances[] = {0, 128, 384, 768};
  for (long long pass = 0; pass < 4 * repeats; ++pass) {
    size_t prefetch = distances[pass % 4];
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    size_t slice = (words / size_t(threads) + 7) & ~size_t(7);
    for (long long t = 0; t < threads; ++t) {
      size_t begin = std::min(words, size_t(t) * slice);
      size_t end = std::min(words, begin + slice);
      workers.emplace_back(
          [&, t, begin, end] { sums[t] = sumWords(buffer + begin, end - begin, prefetch); });
    }
    for (std::thread &worker : workers)
      worker.join();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, double(words * sizeof(uint64_t)) / seconds / 1e9);
  }
  uint64_t check = 0;
  for (uint64_t sum : sums)
    check += sum;
  std::printf("read bandwidth: %.2f GB/s (%lld MiB, %lld threads, best of %lld passes at each "
              "of 4 prefetch distances; checksum %llu)\n",
              best, mib, threads, repeats, (unsigned long long)check);
  std::free(buffer);
  return 0;
}
