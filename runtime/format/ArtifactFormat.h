//===- ArtifactFormat.h - The fixed parts of the .llmc file layout -----------===//
//
// Shared by the writer, the loader and the tests. A .llmc file is:
//
//   [0, 64)                      FileHeader, little-endian (below)
//   [64, 64 + flatbufferSize)    the llmc.fb.Model flatbuffer (runtime/schema/llmc.fbs)
//   then, at 64-byte aligned offsets (4096 for blobs of 64 KiB or more), the blobs the
//   flatbuffer references by absolute offset and size: constants and code objects.
//
// The checksum is XXH64 (seed 0) over the whole file with the 8 checksum bytes left out.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_RUNTIME_FORMAT_ARTIFACTFORMAT_H
#define LLMC_RUNTIME_FORMAT_ARTIFACTFORMAT_H

#include "runtime/format/XXHash64.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace llmc::format {

/// PNG-style magic: text-mode transfers and truncation to 7 bits both break it.
inline constexpr uint8_t kMagic[8] = {'L', 'L', 'M', 'C', '\r', '\n', 0x1a, '\n'};
/// The format this code reads and writes; the flatbuffer's Model.format_version repeats it.
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint64_t kHeaderSize = 64;
inline constexpr uint64_t kChecksumOffset = 40;
inline constexpr uint64_t kChecksumSize = 8;
/// Every blob starts at a multiple of this, which is what generated code may assume.
inline constexpr uint64_t kBlobAlignment = 64;
/// Large blobs are page aligned, so that the kernel can map them without sharing pages.
inline constexpr uint64_t kLargeBlobAlignment = 4096;
inline constexpr uint64_t kLargeBlobThreshold = 64 * 1024;
/// flatbuffers 2.0.8 refuses buffers of 2 GiB or more (FLATBUFFERS_MAX_BUFFER_SIZE).
inline constexpr uint64_t kMaxFlatbufferSize = 0x7fffffffULL - 1;
inline constexpr uint32_t kMaxRank = 16;

/// The decoded header. Field offsets: magic 0, formatVersion 8, headerSize 12,
/// flatbufferOffset 16, flatbufferSize 24, fileSize 32, checksum 40, flags 48, reserved 52..64.
struct FileHeader {
  uint8_t magic[8];
  uint32_t formatVersion;
  uint32_t headerSize;
  uint64_t flatbufferOffset;
  uint64_t flatbufferSize;
  uint64_t fileSize;
  uint64_t checksum;
  uint32_t flags;     // no flags are defined; must be 0
  uint32_t reserved0; // must be 0
  uint64_t reserved1; // must be 0
};

inline uint64_t loadLE(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

inline void storeLE(uint8_t *p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i, v >>= 8)
    p[i] = uint8_t(v);
}

inline FileHeader decodeHeader(const uint8_t *in) {
  FileHeader h;
  std::memcpy(h.magic, in, 8);
  h.formatVersion = uint32_t(loadLE(in + 8, 4));
  h.headerSize = uint32_t(loadLE(in + 12, 4));
  h.flatbufferOffset = loadLE(in + 16, 8);
  h.flatbufferSize = loadLE(in + 24, 8);
  h.fileSize = loadLE(in + 32, 8);
  h.checksum = loadLE(in + 40, 8);
  h.flags = uint32_t(loadLE(in + 48, 4));
  h.reserved0 = uint32_t(loadLE(in + 52, 4));
  h.reserved1 = loadLE(in + 56, 8);
  return h;
}

inline void encodeHeader(const FileHeader &h, uint8_t *out) {
  std::memcpy(out, h.magic, 8);
  storeLE(out + 8, h.formatVersion, 4);
  storeLE(out + 12, h.headerSize, 4);
  storeLE(out + 16, h.flatbufferOffset, 8);
  storeLE(out + 24, h.flatbufferSize, 8);
  storeLE(out + 32, h.fileSize, 8);
  storeLE(out + 40, h.checksum, 8);
  storeLE(out + 48, h.flags, 4);
  storeLE(out + 52, h.reserved0, 4);
  storeLE(out + 56, h.reserved1, 8);
}

/// The checksum of a whole file held in memory; `size` must be at least kHeaderSize.
inline uint64_t computeChecksum(const uint8_t *file, size_t size) {
  XXHash64 state;
  state.update(file, kChecksumOffset);
  state.update(file + kChecksumOffset + kChecksumSize, size - kChecksumOffset - kChecksumSize);
  return state.digest();
}

/// Recomputes the checksum of a file held in memory and stores it in the header. The writer
/// streams instead; tests use this to craft artifacts that only the semantic checks refuse.
inline void sealChecksum(uint8_t *file, size_t size) {
  storeLE(file + kChecksumOffset, computeChecksum(file, size), 8);
}

/// The offset of the first blob after `end`, for a blob of `size` bytes.
inline uint64_t alignBlobOffset(uint64_t end, uint64_t size) {
  uint64_t alignment = size >= kLargeBlobThreshold ? kLargeBlobAlignment : kBlobAlignment;
  return (end + alignment - 1) & ~(alignment - 1);
}

/// Element types, numbered as in the schema and in llmc_dtype_t.
inline constexpr int kDTypeCount = 13;
inline constexpr uint8_t kDTypeSizes[kDTypeCount] = {4, 2, 2, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1};
inline constexpr const char *kDTypeNames[kDTypeCount] = {
    "f32", "f16", "bf16", "f64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "bool"};

inline size_t dtypeSize(unsigned dtype) { return dtype < kDTypeCount ? kDTypeSizes[dtype] : 0; }
inline const char *dtypeName(unsigned dtype) {
  return dtype < kDTypeCount ? kDTypeNames[dtype] : "?";
}

} // namespace llmc::format

#endif // LLMC_RUNTIME_FORMAT_ARTIFACTFORMAT_H
