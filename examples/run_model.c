/*===- run_model.c - The llmc runtime C API from a plain C program ----------===
 *
 * Loads a compiled model, runs one entry point on inputs filled with zeros or ones (dynamic
 * dims are taken as 1), and prints every output. Build it against llmc_runtime:
 *
 *   cc run_model.c -Iruntime/include -Lbuild/lib -lllmc_runtime -lstdc++ -ldl -lpthread
 *
 * usage: run_model MODEL.llmc [zeros|ones] [ENTRY]
 *===----------------------------------------------------------------------===*/
#include "llmc/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the status's message and frees it; returns 1 so that callers can `return fail(s)`. */
static int fail(const char *what, llmc_status_t status) {
  fprintf(stderr, "run_model: %s: %s\n", what, llmc_status_message(status));
  llmc_status_free(status);
  return 1;
}

static float half_to_float(uint16_t h, int is_bf16) {
  uint32_t bits;
  float f;
  if (is_bf16) {
    bits = (uint32_t)h << 16;
  } else {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0x1f)
      bits = sign | 0x7f800000u | (mantissa << 13);
    else if (exponent == 0) /* zero or subnormal: exact as a float product */
      return (sign ? -1.0f : 1.0f) * (float)mantissa * (1.0f / 16777216.0f);
    else
      bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  memcpy(&f, &bits, sizeof(f));
  return f;
}

static double element(llmc_dtype_t dtype, const void *data, size_t i) {
  const unsigned char *p = (const unsigned char *)data + i * llmc_dtype_size(dtype);
  switch (dtype) {
  case LLMC_DTYPE_F32: {
    float v;
    memcpy(&v, p, 4);
    return v;
  }
  case LLMC_DTYPE_F64: {
    double v;
    memcpy(&v, p, 8);
    return v;
  }
  case LLMC_DTYPE_F16:
  case LLMC_DTYPE_BF16: {
    uint16_t v;
    memcpy(&v, p, 2);
    return half_to_float(v, dtype == LLMC_DTYPE_BF16);
  }
  case LLMC_DTYPE_I8:
    return *(const int8_t *)p;
  case LLMC_DTYPE_I16: {
    int16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case LLMC_DTYPE_I32: {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  case LLMC_DTYPE_I64: {
    int64_t v;
    memcpy(&v, p, 8);
    return (double)v;
  }
  case LLMC_DTYPE_U8:
  case LLMC_DTYPE_BOOL:
    return *p;
  case LLMC_DTYPE_U16: {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case LLMC_DTYPE_U32: {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  case LLMC_DTYPE_U64: {
    uint64_t v;
    memcpy(&v, p, 8);
    return (double)v;
  }
  }
  return 0;
}

/* Writes the value one into element i of a tensor of the given dtype. */
static void store_one(llmc_dtype_t dtype, void *data, size_t i) {
  unsigned char *p = (unsigned char *)data + i * llmc_dtype_size(dtype);
  switch (dtype) {
  case LLMC_DTYPE_F32: {
    float v = 1.0f;
    memcpy(p, &v, 4);
    break;
  }
  case LLMC_DTYPE_F64: {
    double v = 1.0;
    memcpy(p, &v, 8);
    break;
  }
  case LLMC_DTYPE_F16: {
    uint16_t v = 0x3c00;
    memcpy(p, &v, 2);
    break;
  }
  case LLMC_DTYPE_BF16: {
    uint16_t v = 0x3f80;
    memcpy(p, &v, 2);
    break;
  }
  default:
    p[0] = 1;
    break; /* integers and bools are little-endian: the low byte is 1 */
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL.llmc [zeros|ones] [ENTRY]\n", argv[0]);
    return 2;
  }
  int ones = argc > 2 && strcmp(argv[2], "ones") == 0;
  const char *entry_name = argc > 3 ? argv[3] : NULL;

  llmc_model_t *model = NULL;
  llmc_status_t status = llmc_model_load_file(argv[1], NULL, &model);
  if (status)
    return fail("cannot load the model", status);

  int exit_code = 0;
  size_t entry = 0, i, k;
  llmc_entry_point_info_t info;
  llmc_tensor_t **inputs = NULL, **outputs = NULL;
  memset(&info, 0, sizeof(info));
  if (entry_name && (status = llmc_model_find_entry_point(model, entry_name, &entry))) {
    exit_code = fail("no such entry point", status);
    goto done;
  }
  if ((status = llmc_model_entry_point_info(model, entry, &info))) {
    exit_code = fail("cannot describe the entry point", status);
    goto done;
  }
  inputs = (llmc_tensor_t **)calloc(info.input_count + 1, sizeof(*inputs));
  outputs = (llmc_tensor_t **)calloc(info.output_count + 1, sizeof(*outputs));
  if (!inputs || !outputs) {
    fprintf(stderr, "run_model: out of memory\n");
    exit_code = 1;
    goto done;
  }

  for (i = 0; i < info.input_count; ++i) {
    llmc_tensor_signature_t signature;
    int64_t dims[LLMC_MAX_RANK];
    if ((status = llmc_model_entry_point_input(model, entry, i, &signature))) {
      exit_code = fail("cannot describe an input", status);
      goto done;
    }
    for (k = 0; k < signature.rank; ++k)
      dims[k] = signature.dims[k] >= 0 ? signature.dims[k] : 1;
    /* llmc_tensor_allocate zero-fills. */
    if ((status = llmc_tensor_allocate(signature.dtype, signature.rank, dims, NULL, &inputs[i]))) {
      exit_code = fail("cannot allocate an input", status);
      goto done;
    }
    if (ones)
      for (k = 0; k < llmc_tensor_element_count(inputs[i]); ++k)
        store_one(signature.dtype, llmc_tensor_data(inputs[i]), k);
  }

  if ((status = llmc_model_run(model, entry, (const llmc_tensor_t *const *)inputs, info.input_count,
                               NULL, outputs, info.output_count))) {
    exit_code = fail("the run failed", status);
    goto done;
  }

  for (i = 0; i < info.output_count; ++i) {
    const llmc_tensor_t *output = outputs[i];
    llmc_dtype_t dtype = llmc_tensor_dtype(output);
    const int64_t *dims = llmc_tensor_dims(output);
    size_t count = (size_t)llmc_tensor_element_count(output);
    printf("output %zu: %s[", i, llmc_dtype_name(dtype));
    for (k = 0; k < llmc_tensor_rank(output); ++k)
      printf("%s%lld", k ? ", " : "", (long long)dims[k]);
    printf("] =");
    for (k = 0; k < count && k < 16; ++k)
      printf(" %g", element(dtype, llmc_tensor_data(output), k));
    printf("%s\n", count > 16 ? " ..." : "");
  }

done:
  if (inputs)
    for (i = 0; i < info.input_count; ++i)
      llmc_tensor_release(inputs[i]);
  if (outputs)
    for (i = 0; i < info.output_count; ++i)
      llmc_tensor_release(outputs[i]);
  free(inputs);
  free(outputs);
  llmc_model_release(model);
  return exit_code;
}
