/* entropix.h: the C API of entropix, small and stable. Load a GGUF model,
 * tokenize, generate with a callback per token that carries the token's
 * signals (entropy, varentropy, attention statistics, the decoder's state
 * and action), read the next-token logits, free. Every function is safe to
 * call with the values it documents; none throws or aborts on bad input:
 * failures return NULL or a negative number and, where an error buffer is
 * given, a message that says what to do.
 *
 * Link: pkg-config --cflags --libs entropix (a static library; C programs
 * link it with the C++ runtime, which the .pc file names). */
#ifndef ENTROPIX_H_
#define ENTROPIX_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENTROPIX_API_VERSION 1

typedef struct entropix_model entropix_model;

/* One generated token, valid during the callback only. Entropies in bits,
 * the log-probability in nats (of the untempered distribution). */
typedef struct entropix_token {
  int32_t index;        /* in the answer, from 0 */
  int32_t id;           /* token id */
  const char* text;     /* the complete UTF-8 text this token finished (may be "") */
  size_t text_len;
  double logprob;
  double entropy;       /* of the next-token distribution the token came from */
  double varentropy;
  int has_attention;    /* 1 when the attention signals below were computed */
  double attn_entropy, attn_varentropy, attn_agreement, attn_interaction_strength;
  const char* state;    /* fixed | flowing | treading | exploring | resampling | adaptive */
  const char* action;   /* argmax | sample | insert | branch | ... */
} entropix_token;

/* Return 0 to go on, anything else to stop the generation. */
typedef int (*entropix_token_callback)(const entropix_token* token, void* user_data);

typedef struct entropix_options {
  const char* sampler;   /* greedy | sample | entropix[@PROFILE] | ... (as `entropix run --sampler`); NULL: greedy */
  int max_tokens;        /* > 0; default 256 */
  uint64_t seed;         /* of the sampling decoders */
  int n_threads;         /* 0: all cores */
  int context;           /* KV cache capacity in tokens; default 4096 */
  int chat;              /* 1: apply the model's chat template when it has one (default); 0: raw text */
  const char* system_prompt;  /* chat mode; NULL: "You are a helpful assistant."; "": none */
  int signals;           /* 1: compute every signal for each token (attention too); default 1 */
} entropix_options;

/* The defaults above. */
void entropix_default_options(entropix_options* options);

/* "0.1.0 (git describe)". */
const char* entropix_version(void);

/* Loads a .gguf file, or a known model name already pulled (`entropix pull`).
 * NULL on failure, with the message in err (when err_len > 0). */
entropix_model* entropix_load(const char* path_or_name, char* err, size_t err_len);
/* The same with the activation precision of the model's matrix products:
 * "f32" (exact), "q8" (8-bit activations, as llama.cpp; faster on large
 * models) or "auto" (f32 below 1 GiB of weights, else q8). NULL: the
 * environment variable ENTROPIX_ACT_PRECISION when set, else "auto" (what
 * entropix_load uses). Two models in one process may differ. */
entropix_model* entropix_load_with_precision(const char* path_or_name, const char* precision, char* err,
                                             size_t err_len);
/* "f32" or "q8": the precision the model multiplies in; NULL for NULL. */
const char* entropix_precision(const entropix_model* model);
void entropix_free(entropix_model* model);

int entropix_vocab_size(const entropix_model* model);

/* Token ids of text (with BOS when add_bos and the model uses one) into
 * out[0..capacity). Returns the number of ids; when it exceeds capacity only
 * capacity were written (call again with a larger buffer). -1 on error. */
int entropix_tokenize(const entropix_model* model, const char* text, int add_bos, int32_t* out, int capacity);

/* Generates the answer to prompt (through the chat template in chat mode),
 * calling on_token for every token. Returns the number of tokens generated,
 * or -1 with the message in err. */
int entropix_generate(entropix_model* model, const char* prompt, const entropix_options* options,
                      entropix_token_callback on_token, void* user_data, char* err, size_t err_len);

/* The next-token logits after the token ids (a fresh context each call):
 * writes vocab_size floats to out. Returns 0, or -1 with the message. */
int entropix_logits(entropix_model* model, const int32_t* ids, int n_ids, float* out, char* err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* ENTROPIX_H_ */
