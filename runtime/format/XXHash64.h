//===- XXHash64.h - XXH64, the artifact checksum, shared by writer and loader -===//
//
// A self-contained streaming implementation of XXH64 (https://github.com/Cyan4973/xxHash,
// algorithm specification v0.1.1). The writer and the loader both include this header, so
// the two sides cannot disagree about the checksum of an artifact.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_RUNTIME_FORMAT_XXHASH64_H
#define LLMC_RUNTIME_FORMAT_XXHASH64_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace llmc::format {

class XXHash64 {
public:
  explicit XXHash64(uint64_t seed = 0) { reset(seed); }

  void reset(uint64_t seed) {
    seed_ = seed;
    lanes_[0] = seed + kPrime1 + kPrime2;
    lanes_[1] = seed + kPrime2;
    lanes_[2] = seed;
    lanes_[3] = seed - kPrime1;
    totalLength_ = 0;
    bufferedBytes_ = 0;
  }

  void update(const void *data, size_t size) {
    const uint8_t *bytes = static_cast<const uint8_t *>(data);
    totalLength_ += size;
    if (bufferedBytes_ + size < kStripe) {
      if (size)
        std::memcpy(buffer_ + bufferedBytes_, bytes, size);
      bufferedBytes_ += size;
      return;
    }
    if (bufferedBytes_) {
      size_t fill = kStripe - bufferedBytes_;
      std::memcpy(buffer_ + bufferedBytes_, bytes, fill);
      consumeStripe(buffer_);
      bytes += fill;
      size -= fill;
      bufferedBytes_ = 0;
    }
    // The lanes live in locals here: `bytes` may alias members, which would otherwise force a
    // store and reload of every lane per stripe.
    uint64_t v0 = lanes_[0], v1 = lanes_[1], v2 = lanes_[2], v3 = lanes_[3];
    for (; size >= kStripe; bytes += kStripe, size -= kStripe) {
      v0 = round(v0, load64(bytes));
      v1 = round(v1, load64(bytes + 8));
      v2 = round(v2, load64(bytes + 16));
      v3 = round(v3, load64(bytes + 24));
    }
    lanes_[0] = v0;
    lanes_[1] = v1;
    lanes_[2] = v2;
    lanes_[3] = v3;
    if (size)
      std::memcpy(buffer_, bytes, size);
    bufferedBytes_ = size;
  }

  uint64_t digest() const {
    uint64_t hash;
    if (totalLength_ >= kStripe) {
      hash = rotl(lanes_[0], 1) + rotl(lanes_[1], 7) + rotl(lanes_[2], 12) + rotl(lanes_[3], 18);
      for (uint64_t lane : lanes_)
        hash = (hash ^ round(0, lane)) * kPrime1 + kPrime4;
    } else {
      hash = seed_ + kPrime5;
    }
    hash += totalLength_;
    const uint8_t *p = buffer_;
    size_t left = bufferedBytes_;
    for (; left >= 8; p += 8, left -= 8)
      hash = rotl(hash ^ round(0, load64(p)), 27) * kPrime1 + kPrime4;
    if (left >= 4) {
      hash = rotl(hash ^ (uint64_t(load32(p)) * kPrime1), 23) * kPrime2 + kPrime3;
      p += 4;
      left -= 4;
    }
    for (; left; ++p, --left)
      hash = rotl(hash ^ (uint64_t(*p) * kPrime5), 11) * kPrime1;
    hash ^= hash >> 33;
    hash *= kPrime2;
    hash ^= hash >> 29;
    hash *= kPrime3;
    hash ^= hash >> 32;
    return hash;
  }

  static uint64_t hash(const void *data, size_t size, uint64_t seed = 0) {
    XXHash64 state(seed);
    state.update(data, size);
    return state.digest();
  }

private:
  static constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
  static constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
  static constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
  static constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
  static constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;
  static constexpr size_t kStripe = 32;

  static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static uint64_t round(uint64_t acc, uint64_t input) {
    return rotl(acc + input * kPrime2, 31) * kPrime1;
  }
  // Little-endian loads, written bytewise so that they compile to one load on every host.
  static uint64_t load64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
      v = (v << 8) | p[i];
    return v;
  }
  static uint32_t load32(const uint8_t *p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }
  void consumeStripe(const uint8_t *p) {
    for (int i = 0; i < 4; ++i)
      lanes_[i] = round(lanes_[i], load64(p + 8 * i));
  }

  uint64_t seed_;
  uint64_t lanes_[4];
  uint64_t totalLength_;
  uint8_t buffer_[kStripe];
  size_t bufferedBytes_;
};

} // namespace llmc::format

#endif // LLMC_RUNTIME_FORMAT_XXHASH64_H
