/* A C program on the installed entropix library: loads a model, tokenizes
 * the prompt, generates with a callback per token and prints each token with
 * its signals, then the next-token logits' argmax for the prompt.
 *
 *   cc generate.c $(pkg-config --cflags --libs entropix) -o generate
 *   ./generate MODEL.gguf "Once upon a time" [max_tokens]  */
#include <entropix.h>
#include <stdio.h>
#include <stdlib.h>

static int on_token(const entropix_token* t, void* user_data) {
  int* count = (int*)user_data;
  printf("%d\t%d\t%.4f\t%.4f\t%s\t%s\t%.*s\n", t->index, t->id, t->entropy, t->varentropy, t->state, t->action,
         (int)t->text_len, t->text);
  ++*count;
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL PROMPT [MAX_TOKENS]\n", argv[0]);
    return 2;
  }
  char err[512];
  entropix_model* model = entropix_load(argv[1], err, sizeof err);
  if (!model) {
    fprintf(stderr, "error: %s\n", err);
    return 1;
  }
  int32_t ids[256];
  const int n = entropix_tokenize(model, argv[2], 1, ids, 256);
  printf("entropix %s: %d prompt tokens, vocabulary %d\n", entropix_version(), n, entropix_vocab_size(model));

  entropix_options options;
  entropix_default_options(&options);
  options.max_tokens = argc > 3 ? atoi(argv[3]) : 16;
  options.chat = 0;
  int count = 0;
  if (entropix_generate(model, argv[2], &options, on_token, &count, err, sizeof err) < 0) {
    fprintf(stderr, "error: %s\n", err);
    entropix_free(model);
    return 1;
  }
  float* logits = malloc(sizeof(float) * (size_t)entropix_vocab_size(model));
  if (n > 0 && n <= 256 && logits && entropix_logits(model, ids, n, logits, err, sizeof err) == 0) {
    int best = 0;
    for (int i = 1; i < entropix_vocab_size(model); ++i) best = logits[i] > logits[best] ? i : best;
    printf("tokens: %d, argmax after the prompt: %d\n", count, best);
  }
  free(logits);
  entropix_free(model);
  return 0;
}
