//===- Tensor.cpp - Host tensors: dtype, dims and row-major data -------------===//
#include "runtime/src/Tensor.h"

#include "runtime/format/ArtifactFormat.h"
#include "runtime/src/Allocator.h"
#include "runtime/src/Status.h"

#include <cstdint>
#include <cstring>
#include <new>

struct llmc_tensor_t {
  llmc_allocator_t allocator; // frees this block (header and owned data)
  bool ownsData;
  void *adopted; // data from alignedAllocate that this tensor frees (adoptTensor), or null
  llmc_dtype_t dtype;
  size_t rank;
  int64_t dims[LLMC_MAX_RANK];
  uint64_t elementCount;
  size_t byteSize;
  void *data;
};

namespace llmc::runtime {
namespace {

constexpr size_t kDataAlignment = 64;
constexpr size_t kHeaderBytes =
    (sizeof(llmc_tensor_t) + kDataAlignment - 1) & ~(kDataAlignment - 1);

} // namespace

llmc_status_t computeTensorSize(const char *what, llmc_dtype_t dtype, size_t rank,
                                const int64_t *dims, uint64_t *out_elements, size_t *out_bytes) {
  size_t elementSize = llmc_dtype_size(dtype);
  if (!elementSize)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "%s has an invalid dtype %d", what, int(dtype));
  if (rank > LLMC_MAX_RANK)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "%s has rank %zu, more than the supported %d",
                      what, rank, LLMC_MAX_RANK);
  if (rank && !dims)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "%s has rank %zu but no dims", what, rank);
  uint64_t elements = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0)
      return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "%s dim %zu is %lld; sizes must be >= 0",
                        what, i, (long long)dims[i]);
    if (__builtin_mul_overflow(elements, uint64_t(dims[i]), &elements))
      elements = UINT64_MAX;
  }
  uint64_t bytes;
  if (elements == UINT64_MAX || __builtin_mul_overflow(elements, elementSize, &bytes) ||
      bytes > uint64_t(INT64_MAX) || bytes > uint64_t(SIZE_MAX) - 4096)
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "%s %s%s is too large to represent", what,
                      llmc_dtype_name(dtype), dimsString(dims, rank).c_str());
  *out_elements = elements;
  *out_bytes = size_t(bytes);
  return nullptr;
}

namespace {

/// A tensor header constructed at `at`, with its shape, sizes and data; the caller sets who owns
/// what.
llmc_tensor_t *constructHeader(void *at, llmc_dtype_t dtype, size_t rank, const int64_t *dims,
                               uint64_t elements, size_t bytes, void *data) {
  auto *tensor = new (at) llmc_tensor_t();
  tensor->dtype = dtype;
  tensor->rank = rank;
  for (size_t i = 0; i < rank; ++i)
    tensor->dims[i] = dims[i];
  tensor->elementCount = elements;
  tensor->byteSize = bytes;
  tensor->data = data;
  return tensor;
}

} // namespace

llmc_status_t allocateTensor(llmc_dtype_t dtype, size_t rank, const int64_t *dims,
                             const llmc_allocator_t &allocator, bool zeroFill,
                             llmc_tensor_t **out_tensor) {
  uint64_t elements = 0;
  size_t bytes = 0;
  LLMC_RETURN_IF_ERROR(computeTensorSize("tensor", dtype, rank, dims, &elements, &bytes));
  auto *block = static_cast<uint8_t *>(allocate(allocator, kHeaderBytes + bytes, kDataAlignment));
  if (!block)
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "cannot allocate %zu bytes for a %s%s tensor",
                      bytes, llmc_dtype_name(dtype), dimsString(dims, rank).c_str());
  llmc_tensor_t *tensor = constructHeader(block, dtype, rank, dims, elements, bytes,
                                          block + kHeaderBytes);
  tensor->allocator = allocator;
  tensor->ownsData = true;
  if (zeroFill && bytes)
    std::memset(tensor->data, 0, bytes);
  *out_tensor = tensor;
  return nullptr;
}

namespace {

/// A tensor header of its own (from the system allocator) over `data`, which it frees with
/// alignedFree on release when `adopted`.
llmc_status_t makeHeaderTensor(llmc_dtype_t dtype, size_t rank, const int64_t *dims,
                               uint64_t elements, size_t bytes, void *data, bool adopted,
                               llmc_tensor_t **out_tensor) {
  llmc_allocator_t system = llmc_allocator_system();
  void *header = allocate(system, sizeof(llmc_tensor_t), alignof(llmc_tensor_t));
  if (!header)
    return makeStatus(LLMC_STATUS_RESOURCE_EXHAUSTED, "cannot allocate a tensor");
  llmc_tensor_t *tensor = constructHeader(header, dtype, rank, dims, elements, bytes, data);
  tensor->allocator = system;
  tensor->ownsData = adopted;
  tensor->adopted = adopted ? data : nullptr;
  *out_tensor = tensor;
  return nullptr;
}

} // namespace

llmc_status_t adoptTensor(llmc_dtype_t dtype, size_t rank, const int64_t *dims, void *block,
                          llmc_tensor_t **out_tensor) {
  uint64_t elements = 0;
  size_t bytes = 0;
  LLMC_RETURN_IF_ERROR(computeTensorSize("tensor", dtype, rank, dims, &elements, &bytes));
  return makeHeaderTensor(dtype, rank, dims, elements, bytes, block, /*adopted=*/true, out_tensor);
}

} // namespace llmc::runtime

using namespace llmc::runtime;

extern "C" {

size_t llmc_dtype_size(llmc_dtype_t dtype) { return llmc::format::dtypeSize(unsigned(dtype)); }

const char *llmc_dtype_name(llmc_dtype_t dtype) { return llmc::format::dtypeName(unsigned(dtype)); }

llmc_status_t llmc_tensor_allocate(llmc_dtype_t dtype, size_t rank, const int64_t *dims,
                                   const llmc_allocator_t *allocator, llmc_tensor_t **out_tensor) {
  if (!out_tensor)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_tensor_allocate: out_tensor is NULL");
  *out_tensor = nullptr;
  return allocateTensor(dtype, rank, dims, resolveAllocator(allocator), /*zeroFill=*/true,
                        out_tensor);
}

llmc_status_t llmc_tensor_wrap(llmc_dtype_t dtype, size_t rank, const int64_t *dims, void *data,
                               size_t data_size, llmc_tensor_t **out_tensor) {
  if (!out_tensor)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_tensor_wrap: out_tensor is NULL");
  *out_tensor = nullptr;
  uint64_t elements = 0;
  size_t bytes = 0;
  LLMC_RETURN_IF_ERROR(computeTensorSize("tensor", dtype, rank, dims, &elements, &bytes));
  if (data_size != bytes)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT,
                      "llmc_tensor_wrap: %s%s needs %zu bytes, but %zu were given",
                      llmc_dtype_name(dtype), dimsString(dims, rank).c_str(), bytes, data_size);
  if (!data && bytes)
    return makeStatus(LLMC_STATUS_INVALID_ARGUMENT, "llmc_tensor_wrap: data is NULL");
  return makeHeaderTensor(dtype, rank, dims, elements, bytes, data, /*adopted=*/false, out_tensor);
}

void llmc_tensor_release(llmc_tensor_t *tensor) {
  if (!tensor)
    return;
  llmc_allocator_t allocator = tensor->allocator;
  void *adopted = tensor->adopted;
  tensor->~llmc_tensor_t();
  deallocate(allocator, tensor);
  if (adopted)
    alignedFree(adopted);
}

llmc_dtype_t llmc_tensor_dtype(const llmc_tensor_t *tensor) { return tensor->dtype; }
size_t llmc_tensor_rank(const llmc_tensor_t *tensor) { return tensor->rank; }
const int64_t *llmc_tensor_dims(const llmc_tensor_t *tensor) { return tensor->dims; }
uint64_t llmc_tensor_element_count(const llmc_tensor_t *tensor) { return tensor->elementCount; }
size_t llmc_tensor_byte_size(const llmc_tensor_t *tensor) { return tensor->byteSize; }
void *llmc_tensor_data(const llmc_tensor_t *tensor) { return tensor->data; }

} // extern "C"
