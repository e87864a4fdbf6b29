//===- Allocator.cpp - The system allocator and caller allocators ------------===//
#include "runtime/src/Allocator.h"

#include <cstdlib>

#include <sys/mman.h>

namespace {

void *systemAllocate(void *, size_t size, size_t alignment) {
  void *pointer = nullptr;
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  if (posix_memalign(&pointer, alignment, size) != 0)
    return nullptr;
  return pointer;
}

void systemDeallocate(void *, void *pointer) { std::free(pointer); }

} // namespace

namespace llmc::runtime {

void *cacheableAllocate(size_t size, size_t alignment) {
  constexpr size_t kHugePage = size_t(2) << 20;
  if (size == 0)
    size = 1;
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  const bool huge = size >= kHugeBufferBytes && alignment <= kHugePage;
  if (huge)
    alignment = kHugePage;
  void *pointer = nullptr;
  if (posix_memalign(&pointer, alignment, size) != 0)
    return nullptr;
#ifdef MADV_HUGEPAGE
  // Advice only: where THP is off, or the range cannot take it, the pages stay 4 KiB.
  if (huge)
    madvise(pointer, size / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
  return pointer;
}

bool isCallerAllocator(const llmc_allocator_t *allocator) {
  return allocator && allocator->allocate && allocator->deallocate;
}

llmc_allocator_t resolveAllocator(const llmc_allocator_t *allocator) {
  if (isCallerAllocator(allocator))
    return *allocator;
  return llmc_allocator_system();
}

void *allocate(const llmc_allocator_t &allocator, size_t size, size_t alignment) {
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  return allocator.allocate(allocator.self, size ? size : 1, alignment);
}

void deallocate(const llmc_allocator_t &allocator, void *pointer) {
  if (pointer)
    allocator.deallocate(allocator.self, pointer);
}

} // namespace llmc::runtime

extern "C" llmc_allocator_t llmc_allocator_system(void) {
  llmc_allocator_t allocator;
  allocator.self = nullptr;
  allocator.allocate = systemAllocate;
  allocator.deallocate = systemDeallocate;
  return allocator;
}
