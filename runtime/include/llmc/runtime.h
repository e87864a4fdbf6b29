/*===- llmc/runtime.h - The llmc runtime C API -------------------------------===
 *
 * Loads .llmc artifacts written by `llmc compile` and runs their entry points.
 *
 * Conventions (after IREE's runtime API):
 *  - Every fallible function returns an llmc_status_t: NULL means success; anything else
 *    carries a code and a message and must be freed with llmc_status_free.
 *  - Results come back through `out_` parameters, which are left untouched (or set to NULL)
 *    on failure.
 *  - Objects are opaque handles with explicit release functions. Options structs are filled
 *    with their `_initialize` function before fields are changed.
 *  - Memory for tensors, scratch and buffer copies comes from an optional caller allocator
 *    (llmc_allocator_t); a zero-filled allocator means the system allocator. Small metadata
 *    (statuses, tables describing a model) comes from the C++ heap.
 *
 * Thread safety:
 *  - A loaded llmc_model_t is immutable: any number of threads may query it and call
 *    llmc_model_run on it at the same time. Each call allocates its own scratch memory, so calls
 *    never share mutable state. llmc_model_retain/llmc_model_release are thread-safe; the model
 *    is unloaded when the last reference goes away, which must not race with a call using it.
 *  - An llmc_tensor_t may be read by many threads at once; writing it (through
 *    llmc_tensor_data) while another thread reads it is a race, as for any memory.
 *  - An llmc_executor_t may be shared by concurrent runs. It runs one parallel loop at a time;
 *    a loop started while it is busy runs on the calling thread instead of waiting.
 *  - Statuses belong to the thread that received them.
 *
 * Security: verification refuses truncated, corrupted and malformed artifacts before any code
 * runs, and every failure is a status, never a crash. An artifact is nevertheless native code:
 * the checksum detects accidents, not attackers, so load only artifacts you trust.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_RUNTIME_H_
#define LLMC_RUNTIME_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llmc/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LLMC_API __attribute__((visibility("default")))
#define LLMC_MUST_USE __attribute__((warn_unused_result))
#else
#define LLMC_API
#define LLMC_MUST_USE
#endif

/// The .llmc format version this runtime reads.
#define LLMC_FORMAT_VERSION 1
/// The largest tensor rank the runtime and the format support.
#define LLMC_MAX_RANK 16

/// The runtime's version, e.g. "0.1.0".
LLMC_API const char *llmc_runtime_version(void);

/*===----------------------------------------------------------------------===
 * Status
 *===----------------------------------------------------------------------===*/

typedef enum llmc_status_code_e {
  LLMC_STATUS_OK = 0,
  /// The caller passed something wrong: a NULL pointer, an index out of range, an input of
  /// the wrong dtype or shape.
  LLMC_STATUS_INVALID_ARGUMENT = 1,
  /// A named thing does not exist: a file, an entry point, a symbol in a code object.
  LLMC_STATUS_NOT_FOUND = 2,
  /// The artifact is truncated, corrupted or malformed (header, checksum, structure, or an
  /// offset, size or index that does not fit).
  LLMC_STATUS_INVALID_ARTIFACT = 3,
  /// The artifact is valid but this runtime or this machine cannot run it: another format
  /// version, another architecture or OS, a missing CPU feature, an unknown code format.
  LLMC_STATUS_UNSUPPORTED = 4,
  /// Memory (or threads) could not be allocated.
  LLMC_STATUS_RESOURCE_EXHAUSTED = 5,
  /// The operating system refused an operation (open, mmap, memfd_create, dlopen, ...).
  LLMC_STATUS_IO_ERROR = 6,
  /// The operation needs a state the object is not in, e.g. running a model loaded with
  /// LLMC_MODEL_LOAD_FLAG_NO_CODE.
  LLMC_STATUS_FAILED_PRECONDITION = 7,
  /// Generated code broke its contract, e.g. returned an output descriptor with a negative
  /// size or a size that contradicts a static dim of the signature.
  LLMC_STATUS_INTERNAL = 8,
} llmc_status_code_t;

/// NULL on success; otherwise owned by the receiver, who frees it with llmc_status_free.
typedef struct llmc_status_s *llmc_status_t;

static inline bool llmc_status_is_ok(llmc_status_t status) { return status == NULL; }

/// The status's code; LLMC_STATUS_OK for NULL.
LLMC_API llmc_status_code_t llmc_status_code(llmc_status_t status);

/// The status's message: one line, lowercase, naming what failed and the values involved
/// (e.g. "entry point 'main': input 'x' dim 1 is 5, expected 4"). "" for NULL. Valid until the
/// status is freed.
LLMC_API const char *llmc_status_message(llmc_status_t status);

/// "ok", "invalid argument", "invalid artifact", ...
LLMC_API const char *llmc_status_code_name(llmc_status_code_t code);

/// Frees a status; NULL is fine.
LLMC_API void llmc_status_free(llmc_status_t status);

/*===----------------------------------------------------------------------===
 * Allocator
 *===----------------------------------------------------------------------===*/

typedef struct llmc_allocator_t {
  void *self;
  /// Returns `size` bytes (size > 0) aligned to `alignment` (a power of two of at least
  /// sizeof(void*)), or NULL when it cannot.
  void *(*allocate)(void *self, size_t size, size_t alignment);
  /// Frees what `allocate` returned; never called with NULL.
  void (*deallocate)(void *self, void *pointer);
} llmc_allocator_t;

/// The system allocator (malloc/free, aligned by hand). A zero-filled llmc_allocator_t means the
/// same.
LLMC_API llmc_allocator_t llmc_allocator_system(void);

/*===----------------------------------------------------------------------===
 * Element types and tensors
 *===----------------------------------------------------------------------===*/

/// Element types; the numbering is the artifact format's.
typedef enum llmc_dtype_e {
  LLMC_DTYPE_F32 = 0,
  LLMC_DTYPE_F16 = 1,
  LLMC_DTYPE_BF16 = 2,
  LLMC_DTYPE_F64 = 3,
  LLMC_DTYPE_I8 = 4,
  LLMC_DTYPE_I16 = 5,
  LLMC_DTYPE_I32 = 6,
  LLMC_DTYPE_I64 = 7,
  LLMC_DTYPE_U8 = 8,
  LLMC_DTYPE_U16 = 9,
  LLMC_DTYPE_U32 = 10,
  LLMC_DTYPE_U64 = 11,
  LLMC_DTYPE_BOOL = 12, ///< one byte, 0 or 1
} llmc_dtype_t;

#define LLMC_DTYPE_COUNT 13

/// Bytes per element; 0 for a value that is not an llmc_dtype_t.
LLMC_API size_t llmc_dtype_size(llmc_dtype_t dtype);
/// "f32", "f16", "bf16", "f64", "i8", ..., "bool"; "?" for a value that is not an llmc_dtype_t.
LLMC_API const char *llmc_dtype_name(llmc_dtype_t dtype);

/// A dense row-major tensor on the host: dtype, dims and data.
typedef struct llmc_tensor_t llmc_tensor_t;

/// Allocates a zero-filled tensor with 64-byte aligned data from `allocator` (NULL: system).
/// `dims` holds `rank` sizes >= 0 (may be NULL when rank is 0).
LLMC_API LLMC_MUST_USE llmc_status_t llmc_tensor_allocate(llmc_dtype_t dtype, size_t rank,
                                                          const int64_t *dims,
                                                          const llmc_allocator_t *allocator,
                                                          llmc_tensor_t **out_tensor);

/// Makes a tensor over caller memory without copying: `data` must hold `data_size` bytes,
/// exactly what dtype and dims need, and stay valid until the tensor is released (the tensor
/// never frees it). `data` may be NULL only when the tensor has no elements.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_tensor_wrap(llmc_dtype_t dtype, size_t rank,
                                                      const int64_t *dims, void *data,
                                                      size_t data_size, llmc_tensor_t **out_tensor);

/// Releases a tensor and, if the runtime allocated it, its data. NULL is fine.
LLMC_API void llmc_tensor_release(llmc_tensor_t *tensor);

LLMC_API llmc_dtype_t llmc_tensor_dtype(const llmc_tensor_t *tensor);
LLMC_API size_t llmc_tensor_rank(const llmc_tensor_t *tensor);
/// The `rank` sizes; valid while the tensor lives.
LLMC_API const int64_t *llmc_tensor_dims(const llmc_tensor_t *tensor);
LLMC_API uint64_t llmc_tensor_element_count(const llmc_tensor_t *tensor);
LLMC_API size_t llmc_tensor_byte_size(const llmc_tensor_t *tensor);
/// The row-major data (NULL only for a wrapped tensor without elements).
LLMC_API void *llmc_tensor_data(const llmc_tensor_t *tensor);

/*===----------------------------------------------------------------------===
 * Executor: the threads generated code may use
 *===----------------------------------------------------------------------===*/

/// A pool of worker threads behind llmc_services_t.parallel_for. Creating one and passing it in
/// llmc_run_options_t lets many runs share the threads.
typedef struct llmc_executor_t llmc_executor_t;

/// Creates an executor that runs parallel loops on up to `thread_count` threads, the calling
/// thread included (0: one per online CPU). It starts thread_count - 1 workers.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_executor_create(size_t thread_count,
                                                          llmc_executor_t **out_executor);
/// Stops and joins the workers. No run may be using the executor. NULL is fine.
LLMC_API void llmc_executor_release(llmc_executor_t *executor);
LLMC_API size_t llmc_executor_thread_count(const llmc_executor_t *executor);

/*===----------------------------------------------------------------------===
 * Models
 *===----------------------------------------------------------------------===*/

typedef struct llmc_model_t llmc_model_t;

enum {
  LLMC_MODEL_LOAD_FLAG_NONE = 0,
  /// Verify the artifact and expose its metadata, but neither check it against this machine
  /// nor load its code (what `llmc inspect` does). Such a model cannot run.
  LLMC_MODEL_LOAD_FLAG_NO_CODE = 1u << 0,
  /// llmc_model_load_memory: copy the buffer, so the caller may free it after loading.
  /// Without this flag a buffer that is not 64-byte aligned is copied too (constants must be
  /// aligned for generated code), and an aligned one is used in place.
  LLMC_MODEL_LOAD_FLAG_COPY_BUFFER = 1u << 1,
};

typedef struct llmc_model_load_options_t {
  uint32_t flags; ///< LLMC_MODEL_LOAD_FLAG_*
  /// For the copy of a memory buffer, when one is made. Zero-filled: system.
  llmc_allocator_t allocator;
} llmc_model_load_options_t;

LLMC_API void llmc_model_load_options_initialize(llmc_model_load_options_t *options);

/// Maps `path` read-only (weights are never copied), verifies it (header, size, checksum,
/// flatbuffer structure, then every offset, size and index), checks that this machine can run
/// it (architecture, OS, CPU features), and loads its code. Nothing from the artifact runs
/// before all of that has passed. `options` may be NULL. The file must not be modified while
/// the model is loaded. The message of a failure names the path.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_load_file(const char *path,
                                                          const llmc_model_load_options_t *options,
                                                          llmc_model_t **out_model);

/// Like llmc_model_load_file, from `size` bytes at `data`. Unless the buffer is copied (see
/// LLMC_MODEL_LOAD_FLAG_COPY_BUFFER) it must stay valid and unchanged until the model is
/// released.
LLMC_API LLMC_MUST_USE llmc_status_t
llmc_model_load_memory(const void *data, size_t size, const llmc_model_load_options_t *options,
                       llmc_model_t **out_model);

/// Adds a reference. The model starts with one.
LLMC_API void llmc_model_retain(llmc_model_t *model);
/// Drops a reference; the last one unloads the code and unmaps the file. NULL is fine.
LLMC_API void llmc_model_release(llmc_model_t *model);

/// Checks that this machine can run the model: the architecture and OS of its target triple
/// and of its code objects, and its required CPU features. Loading does this already; this is
/// for models loaded with LLMC_MODEL_LOAD_FLAG_NO_CODE.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_check_host(const llmc_model_t *model);

/// What the artifact says about itself. Strings are NUL-terminated, never NULL ("" when
/// absent), and live as long as the model.
typedef struct llmc_model_info_t {
  uint32_t format_version;
  const char *name;
  const char *producer;
  const char *triple;
  const char *cpu;
  size_t feature_count;
  size_t entry_point_count;
  size_t constant_count;
  uint64_t constant_bytes; ///< the sum of the constants' sizes
  size_t code_object_count;
  uint64_t file_size;
  bool code_loaded;     ///< false for LLMC_MODEL_LOAD_FLAG_NO_CODE
  size_t state_count;   ///< buffers kept between calls (a language model's KV cache)
  uint64_t state_bytes; ///< the sum of the states' sizes
} llmc_model_info_t;

LLMC_API void llmc_model_info(const llmc_model_t *model, llmc_model_info_t *out_info);

/// A required CPU feature as the artifact spells it (e.g. "+avx2"); NULL when out of range.
LLMC_API const char *llmc_model_feature(const llmc_model_t *model, size_t index);

/// A tensor in an entry point's signature.
typedef struct llmc_tensor_signature_t {
  const char *name; ///< may be ""
  llmc_dtype_t dtype;
  size_t rank;
  const int64_t *dims;            ///< `rank` entries: a static size, or -1 for a dynamic dim
  const char *const *dim_symbols; ///< `rank` entries: a dynamic dim's symbol, "" if none
} llmc_tensor_signature_t;

typedef struct llmc_entry_point_info_t {
  const char *name;
  const char *symbol;
  size_t code_object;
  size_t input_count;
  size_t output_count;
  size_t constant_count; ///< constants passed after the inputs
  uint64_t scratch_bytes;
  uint64_t scratch_alignment;
  size_t state_count; ///< states passed after the inputs (see llmc_model_entry_point_state)
} llmc_entry_point_info_t;

/// Finds an entry point by name (LLMC_STATUS_NOT_FOUND, listing the names, if absent).
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_find_entry_point(const llmc_model_t *model,
                                                                 const char *name,
                                                                 size_t *out_index);
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_entry_point_info(const llmc_model_t *model,
                                                                 size_t entry_point,
                                                                 llmc_entry_point_info_t *out_info);
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_entry_point_input(const llmc_model_t *model,
                                                                  size_t entry_point, size_t input,
                                                                  llmc_tensor_signature_t *out);
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_entry_point_output(const llmc_model_t *model,
                                                                   size_t entry_point,
                                                                   size_t output,
                                                                   llmc_tensor_signature_t *out);
/// The model-wide index of the entry point's `argument`-th constant.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_entry_point_constant(const llmc_model_t *model,
                                                                     size_t entry_point,
                                                                     size_t argument,
                                                                     size_t *out_constant);

/// The model-wide index of the entry point's `argument`-th state.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_entry_point_state(const llmc_model_t *model,
                                                                  size_t entry_point,
                                                                  size_t argument,
                                                                  size_t *out_state);

/// A buffer the runtime keeps between calls of the entry points that use it (a KV cache).
typedef struct llmc_state_info_t {
  const char *name;
  llmc_dtype_t dtype;
  size_t rank;
  const int64_t *dims; ///< static
  uint64_t size;       ///< in bytes
} llmc_state_info_t;

LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_state_info(const llmc_model_t *model, size_t state,
                                                           llmc_state_info_t *out_info);

typedef struct llmc_constant_info_t {
  const char *name;
  llmc_dtype_t dtype;
  size_t rank;
  const int64_t *dims;
  uint64_t offset; ///< in the file
  uint64_t size;   ///< in bytes
  const void *data;
} llmc_constant_info_t;

LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_constant_info(const llmc_model_t *model,
                                                              size_t constant,
                                                              llmc_constant_info_t *out_info);

typedef struct llmc_code_object_info_t {
  const char *format; ///< "elf-shared-object"
  const char *triple;
  uint64_t offset; ///< in the file
  uint64_t size;   ///< in bytes
  bool loaded;     ///< whether an entry point uses it and it was loaded
} llmc_code_object_info_t;

LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_code_object_info(const llmc_model_t *model,
                                                                 size_t code_object,
                                                                 llmc_code_object_info_t *out_info);

/*===----------------------------------------------------------------------===
 * Running
 *===----------------------------------------------------------------------===*/

typedef struct llmc_run_options_t {
  /// The parallelism offered to generated code when `executor` is NULL: 0 means one thread per
  /// online CPU, 1 the calling thread only. The threads are started only if the code asks for
  /// a parallel loop, and stopped before the call returns; pass an executor to keep them.
  size_t thread_count;
  /// Optional; when set, parallel loops run on it and thread_count is ignored.
  llmc_executor_t *executor;
  /// For the outputs and the scratch memory. Zero-filled: system (and then, with an executor,
  /// the scratch comes from the buffers the executor keeps between calls).
  llmc_allocator_t allocator;
} llmc_run_options_t;

LLMC_API void llmc_run_options_initialize(llmc_run_options_t *options);

/// Runs entry point `entry_point` on `input_count` inputs, in signature order.
///
/// Inputs are checked against the signature first (count, dtype, rank, static dims, and
/// symbolic dims that must agree across inputs); a mismatch is LLMC_STATUS_INVALID_ARGUMENT
/// naming the input and dim. The inputs are only read.
///
/// On success, `out_outputs` (an array of `output_count` entries, which must equal the
/// signature's output count) receives new tensors allocated from the options' allocator, with
/// dims taken from what the code returned (so dynamic dims are filled in); the caller releases
/// each with llmc_tensor_release. On failure every entry is set to NULL and nothing needs
/// releasing. `options` may be NULL. Safe to call from many threads at once on one model.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_model_run(const llmc_model_t *model, size_t entry_point,
                                                    const llmc_tensor_t *const *inputs,
                                                    size_t input_count,
                                                    const llmc_run_options_t *options,
                                                    llmc_tensor_t **out_outputs,
                                                    size_t output_count);

/*===----------------------------------------------------------------------===
 * Language models: tokenizer and text generation
 *
 * An artifact compiled from a GGUF language model has a `prefill` and a `decode` entry point
 * that share a KV cache, and the model's tokenizer. A generator owns the KV cache (allocated
 * once, sized by the context length), feeds tokens through the two entry points and samples
 * the next token. A generator is used by one thread at a time; many generators may share a
 * model.
 *===----------------------------------------------------------------------===*/

typedef struct llmc_language_model_info_t {
  const char *architecture;    ///< "llama", "qwen2", "gpt2", ...
  const char *tokenizer_model; ///< "llama" (SentencePiece BPE) or "gpt2" (byte-level BPE)
  int64_t context_length;      ///< the KV cache capacity in tokens
  int64_t vocab_size;          ///< the number of logits
  int32_t bos;                 ///< -1 when the tokenizer has none
  int32_t eos;                 ///< -1 when the tokenizer has none
  bool add_bos;                ///< whether prompts start with bos
} llmc_language_model_info_t;

/// LLMC_STATUS_NOT_FOUND when the artifact is not a language model.
LLMC_API LLMC_MUST_USE llmc_status_t
llmc_model_language_model_info(const llmc_model_t *model, llmc_language_model_info_t *out_info);

/// Tokenizes the `length` bytes at `text` (any bytes; invalid UTF-8 falls back to byte tokens),
/// with bos first when `add_bos` and the tokenizer has one. Sets *out_count to the number of
/// ids and writes them to `out_ids` when they fit in `capacity`; when they do not, returns
/// LLMC_STATUS_INVALID_ARGUMENT (call again with *out_count entries).
LLMC_API LLMC_MUST_USE llmc_status_t llmc_tokenize(const llmc_model_t *model, const char *text,
                                                   size_t length, bool add_bos, int32_t *out_ids,
                                                   size_t capacity, size_t *out_count);

/// The bytes token `id` stands for (empty for control tokens), e.g. " the". Sets *out_length
/// and writes the bytes (not NUL-terminated) when they fit in `capacity`; otherwise returns
/// LLMC_STATUS_INVALID_ARGUMENT. Pieces of byte-fallback tokens may be parts of a UTF-8
/// character.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_token_piece(const llmc_model_t *model, int32_t id,
                                                      char *out, size_t capacity,
                                                      size_t *out_length);

typedef struct llmc_sampling_options_t {
  float temperature; ///< <= 0: greedy (the largest logit, the lowest id on ties)
  int32_t top_k;     ///< keep the k most likely tokens; 0: all
  float top_p;       ///< keep the most likely tokens up to this probability mass; 1: all
  uint64_t seed;     ///< the same seed gives the same tokens on every machine
} llmc_sampling_options_t;

/// temperature 0.8, top_k 40, top_p 0.95, seed 0.
LLMC_API void llmc_sampling_options_initialize(llmc_sampling_options_t *options);

typedef struct llmc_generator_options_t {
  /// Threads for the model's parallel loops when `executor` is NULL (0: one per online CPU).
  /// The generator keeps them for its lifetime.
  size_t thread_count;
  llmc_executor_t *executor;  ///< optional, shared; thread_count is then ignored
  llmc_allocator_t allocator; ///< for the KV cache and the calls' memory; zero-filled: system
  llmc_sampling_options_t sampling;
  /// Keep generating after an end-of-generation token instead of stopping.
  bool ignore_eos;
} llmc_generator_options_t;

LLMC_API void llmc_generator_options_initialize(llmc_generator_options_t *options);

typedef struct llmc_generator_t llmc_generator_t;

/// Creates a generator for a language model (LLMC_STATUS_NOT_FOUND for another artifact):
/// allocates its zero-filled KV cache and retains the model. `options` may be NULL.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_generator_create(llmc_model_t *model,
                                                           const llmc_generator_options_t *options,
                                                           llmc_generator_t **out_generator);
/// Releases the generator, its KV cache and its reference to the model. NULL is fine.
LLMC_API void llmc_generator_release(llmc_generator_t *generator);

/// Starts over: the next tokens fed are at position 0; the sampler is reseeded.
LLMC_API void llmc_generator_reset(llmc_generator_t *generator);

/// How many tokens the KV cache holds.
LLMC_API size_t llmc_generator_position(const llmc_generator_t *generator);

/// Runs the model on `count` token ids at the current position (`prefill` for several,
/// `decode` for one), appends them to the KV cache and keeps the logits that predict the next
/// token. Ids outside the vocabulary, and tokens that would not fit in the context, are
/// refused with LLMC_STATUS_INVALID_ARGUMENT before anything runs.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_generator_feed(llmc_generator_t *generator,
                                                         const int32_t *ids, size_t count);

/// The vocab_size logits of the last feed, valid until the next feed; NULL before the first.
LLMC_API const float *llmc_generator_logits(const llmc_generator_t *generator);

/// Picks the next token from the last feed's logits with the sampling options.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_generator_sample(llmc_generator_t *generator,
                                                           int32_t *out_id);

/// Receives each generated token as soon as it is sampled; returns false to stop.
typedef bool (*llmc_token_callback_t)(void *user_data, int32_t id);

typedef enum llmc_stop_reason_e {
  LLMC_STOP_MAX_TOKENS = 0,   ///< max_tokens were generated
  LLMC_STOP_END_OF_TEXT = 1,  ///< an end-of-generation token (reported to the callback too)
  LLMC_STOP_CONTEXT_FULL = 2, ///< the KV cache is full
  LLMC_STOP_CALLBACK = 3,     ///< the callback returned false
} llmc_stop_reason_t;

typedef struct llmc_generation_stats_t {
  size_t prompt_tokens;
  double prompt_seconds; ///< feeding the prompt
  size_t generated_tokens;
  size_t decode_calls;   ///< generated tokens fed back: every one but the last
  double decode_seconds; ///< those calls, sampling included
  llmc_stop_reason_t stop_reason;
} llmc_generation_stats_t;

/// Feeds `prompt` (at least one id), then samples a token, reports it to `callback` (may be
/// NULL), and feeds it back, until max_tokens tokens, an end-of-generation token (unless
/// ignore_eos), a full context, or the callback stops it. The last token is not fed back: feed
/// it to continue from there. `out_stats` may be NULL.
LLMC_API LLMC_MUST_USE llmc_status_t llmc_generator_generate(
    llmc_generator_t *generator, const int32_t *prompt, size_t prompt_count, size_t max_tokens,
    llmc_token_callback_t callback, void *user_data, llmc_generation_stats_t *out_stats);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // LLMC_RUNTIME_H_
