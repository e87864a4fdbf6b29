//===- Allocator.cpp - The system allocator and caller allocators ------------===//
#include "runtime/src/Allocator.h"

#include <cstdint>
#include <cstdlib>

#include <sys/mman.h>

namespace {

void *systemAllocate(void *, size_t size, size_t alignment) {
  return llmc::runtime::alignedAllocate(size, alignment);
}

void systemDeallocate(void *, void *pointer) { llmc::runtime::alignedFree(pointer); }

} // namespace

namespace llmc::runtime {

// malloc, aligned by hand: `alignment` past a word that holds malloc's pointer. Not
// posix_memalign: glibc serves an aligned request with a block a little larger than the one it
// freed for the same size, so a loop that allocates and frees one large output grows the heap
// on most calls (a 16 MiB one: 144 MiB of heap after 40 calls), and each of those calls faults
// in fresh pages. malloc reuses the freed block, and with it the pages already faulted in,
// which is what makes huge pages pay here.
void *alignedAllocate(size_t size, size_t alignment) {
  constexpr size_t kHugePage = size_t(2) << 20;
  if (size == 0)
    size = 1;
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  const bool huge = size >= kHugeBufferBytes && alignment <= kHugePage;
  if (huge)
    alignment = kHugePage;
  if (size > SIZE_MAX - alignment - sizeof(void *))
    return nullptr;
  void *block = std::malloc(size + alignment + sizeof(void *));
  if (!block)
    return nullptr;
  uintptr_t aligned =
      (reinterpret_cast<uintptr_t>(block) + sizeof(void *) + alignment - 1) & ~(alignment - 1);
  reinterpret_cast<void **>(aligned)[-1] = block;
#ifdef MADV_HUGEPAGE
  // Advice only: where THP is off, or the range cannot take it, the pages stay 4 KiB.
  if (huge)
    madvise(reinterpret_cast<void *>(aligned), size / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void *>(aligned);
}

void alignedFree(void *pointer) {
  if (pointer)
    std::free(static_cast<void **>(pointer)[-1]);
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
