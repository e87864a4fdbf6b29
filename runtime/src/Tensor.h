//===- Tensor.h - llmc_tensor_t internals -----------------------------------===//
#ifndef LLMC_RUNTIME_SRC_TENSOR_H
#define LLMC_RUNTIME_SRC_TENSOR_H

#include "llmc/runtime.h"

namespace llmc::runtime {

/// The number of elements and bytes of dtype[dims]; an error names `what` when a dim is
/// negative or the size overflows (the byte size must fit int64_t and size_t).
llmc_status_t computeTensorSize(const char *what, llmc_dtype_t dtype, size_t rank,
                                const int64_t *dims, uint64_t *out_elements, size_t *out_bytes);

/// llmc_tensor_allocate without zero-filling, for outputs the runtime overwrites at once.
llmc_status_t allocateTensor(llmc_dtype_t dtype, size_t rank, const int64_t *dims,
                             const llmc_allocator_t &allocator, bool zeroFill,
                             llmc_tensor_t **out_tensor);

/// A tensor that takes over `block`, memory from alignedAllocate (Allocator.h) of at least the
/// tensor's bytes and 64-byte aligned: its data, freed with alignedFree when the tensor is
/// released. Used for outputs that generated code wrote into a buffer of its own, which then need
/// no copy. On an error `block` is still the caller's.
llmc_status_t adoptTensor(llmc_dtype_t dtype, size_t rank, const int64_t *dims, void *block,
                          llmc_tensor_t **out_tensor);

} // namespace llmc::runtime

#endif // LLMC_RUNTIME_SRC_TENSOR_H
