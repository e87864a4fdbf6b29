/*===- generate_text.c - Text generation through the llmc runtime C API -----===
 *
 * Loads a language model compiled from a GGUF file, tokenizes a prompt, and streams the
 * continuation to stdout token by token; the runtime owns the KV cache and calls the model's
 * compiled prefill and decode entry points. Build it against llmc_runtime:
 *
 *   cc generate_text.c -Iruntime/include -Lbuild/lib -lllmc_runtime -lstdc++ -ldl -lpthread
 *
 * usage: generate_text MODEL.llmc PROMPT [TOKENS [TEMPERATURE [SEED]]]
 *===----------------------------------------------------------------------===*/
#include "llmc/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, llmc_status_t status) {
  fprintf(stderr, "generate_text: %s: %s\n", what, llmc_status_message(status));
  llmc_status_free(status);
  return 1;
}

/* Prints each token's bytes as soon as it is sampled. (A byte-fallback token may be part of a
 * UTF-8 character; a terminal shows the whole character once its last byte arrives.) */
static bool print_token(void *user_data, int32_t id) {
  const llmc_model_t *model = (const llmc_model_t *)user_data;
  char piece[256];
  size_t length = 0;
  llmc_status_t status = llmc_token_piece(model, id, piece, sizeof(piece), &length);
  if (status) {
    llmc_status_free(status);
    return true; /* a piece longer than the buffer: skip it */
  }
  fwrite(piece, 1, length, stdout);
  fflush(stdout);
  return true;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: generate_text MODEL.llmc PROMPT [TOKENS [TEMPERATURE [SEED]]]\n");
    return 2;
  }
  size_t max_tokens = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 32;
  llmc_model_t *model = NULL;
  llmc_status_t status = llmc_model_load_file(argv[1], NULL, &model);
  if (status)
    return fail("load", status);

  llmc_language_model_info_t info;
  status = llmc_model_language_model_info(model, &info);
  if (status) {
    llmc_model_release(model);
    return fail("info", status);
  }
  /* Ask for the count first, then tokenize into a buffer of that size. */
  size_t count = 0;
  status = llmc_tokenize(model, argv[2], strlen(argv[2]), info.add_bos, NULL, 0, &count);
  llmc_status_free(status);
  int32_t *prompt = (int32_t *)malloc((count ? count : 1) * sizeof(int32_t));
  status = llmc_tokenize(model, argv[2], strlen(argv[2]), info.add_bos, prompt, count, &count);
  if (status || count == 0) {
    free(prompt);
    llmc_model_release(model);
    return status ? fail("tokenize", status) : 1;
  }

  llmc_generator_options_t options;
  llmc_generator_options_initialize(&options);
  if (argc > 4)
    options.sampling.temperature = strtof(argv[4], NULL);
  if (argc > 5)
    options.sampling.seed = strtoull(argv[5], NULL, 10);
  llmc_generator_t *generator = NULL;
  status = llmc_generator_create(model, &options, &generator);
  if (status) {
    free(prompt);
    llmc_model_release(model);
    return fail("generator", status);
  }
  llmc_generation_stats_t stats;
  fputs(argv[2], stdout);
  status =
      llmc_generator_generate(generator, prompt, count, max_tokens, print_token, model, &stats);
  putchar('\n');
  if (!status)
    /* info's strings live as long as the model: print before releasing it. */
    fprintf(stderr, "%s: %zu prompt tokens, %zu generated, %.1f tokens/s\n", info.architecture,
            stats.prompt_tokens, stats.generated_tokens,
            stats.decode_seconds > 0 ? stats.decode_calls / stats.decode_seconds : 0.0);
  free(prompt);
  llmc_generator_release(generator);
  llmc_model_release(model);
  return status ? fail("generate", status) : 0;
}
