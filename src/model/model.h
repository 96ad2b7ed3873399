// A loaded transformer and its forward pass.
//
// Model is immutable after Load and may be shared by several sequences; all
// per-call memory lives in a Workspace (one per concurrent caller) and the
// sequence state in a KvCache.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kv_cache/kv_cache.h"
#include "model/config.h"
#include "model/precision.h"
#include "model/weights.h"

namespace entropix {

class GgufFile;
class ThreadPool;

// Statistics of the attention distribution of the LAST query position of a
// Forward call, per layer and head, over the positions it may attend to
// (0..pos, never empty cache slots). Computed inside the attention kernel
// from the softmax it already has (SAMPLER.md section 2). Shapes:
//   entropy_bits, varentropy_bits, mean_abs_score: [n_layers][n_heads]
//   agreement: [n_layers]
struct AttentionStats {
  int n_layers = 0;
  int n_heads = 0;
  int n_positions = 0;  // positions attended to (pos + 1; fewer in sliding-window layers)
  std::vector<float> entropy_bits;     // -sum p log2 p of each head
  std::vector<float> varentropy_bits;  // sum p (log2 p + H)^2 of each head
  std::vector<float> mean_abs_score;   // mean |q.k / sqrt(head_dim)| over positions
  std::vector<float> agreement;        // mean over heads, positions of |p_h(j) - mean_h p(j)|
};

// One sequence's share of a batched forward step (Model::ForwardBatch).
// `tokens` run at positions cache->size() .. cache->size() + n - 1 of that
// sequence; a prefill chunk of one sequence and one decode token of each of
// B sequences are the same call with different shapes.
struct BatchSegment {
  KvCache* cache = nullptr;          // the sequence's cache; at most once per call
  std::span<const int32_t> tokens;   // at least one token
  bool logits = true;                // logits of the last token
  bool all_logits = false;           // logits of every token (implies logits)
  bool attention_stats = false;      // AttentionStats of the last token
};

// What ForwardBatch returns: views into the Workspace, valid until its next use.
class BatchResult {
 public:
  // [vocab_size] (or [n][vocab_size] with all_logits); empty when the
  // segment asked for no logits.
  std::span<const float> logits(int segment) const { return logits_[segment]; }
  // Valid only for a segment that asked for attention_stats.
  const AttentionStats& stats(int segment) const { return *stats_[segment]; }
  int size() const { return static_cast<int>(logits_.size()); }

 private:
  friend class Model;
  std::vector<std::span<const float>> logits_;
  std::vector<const AttentionStats*> stats_;
};

struct ForwardOptions {
  bool attention_stats = false;  // fill Workspace::stats for the last position
  bool all_logits = false;       // logits for every input token, not just the last
};

// Scratch memory for Forward, sized once for a model and a batch size.
// Buffers only grow, so after the first calls of a given shape a forward
// step allocates nothing (KV-cache pages aside, one per page_positions).
class Workspace {
 public:
  Workspace(const ModelConfig& config, int max_batch, int capacity);

  int max_batch() const { return max_batch_; }
  // Statistics of the last Forward() (not ForwardBatch: see BatchResult).
  const AttentionStats& stats() const { return stats_; }

 private:
  friend class Model;
  // A segment while a step runs.
  struct Segment {
    KvCache* cache;
    const int32_t* tokens;
    int n_tokens;
    int start;               // cache->size() when the step began
    int out_row;             // its first row of logits_, or -1 for none
    bool all_logits;
    AttentionStats* stats;   // for its last token, or null
  };
  // A row of the current chunk: one token of one segment.
  struct Row {
    int segment;
    int pos;       // position in that segment's sequence
    int out_row;   // row of logits_ it fills, or -1
    bool stats;    // the segment's last token, and stats were asked for
  };

  int max_batch_;
  int capacity_;
  std::vector<float> x_;        // [max_batch][model_dim] residual stream
  std::vector<float> xn_;       // [max_batch][model_dim] normed input of a sub-block
  std::vector<float> q_;        // [max_batch][q_dim]
  std::vector<float> k_;        // [max_batch][kv_dim]
  std::vector<float> v_;        // [max_batch][kv_dim]
  std::vector<float> attn_;     // [max_batch][q_dim] attention output
  std::vector<float> gate_;     // [max_batch][ffn_dim]
  std::vector<float> up_;       // [max_batch][ffn_dim]
  std::vector<float> scores_;   // [max_batch * n_heads][capacity] softmax rows
  std::vector<float> rope_cos_; // [max_batch][rope_dim / 2]
  std::vector<float> rope_sin_; // [max_batch][rope_dim / 2]
  std::vector<uint8_t> xq_;     // [max_batch][activation bytes] quantised activations
  std::vector<float> logits_;   // [logit rows of the call][vocab_size]
  std::vector<Row> rows_;       // [max_batch] the current chunk
  std::vector<Segment> segments_;
  AttentionStats stats_;
  std::vector<AttentionStats> seg_stats_;  // ForwardBatch: per segment (reused between calls)
  BatchResult result_;
};

class Model {
 public:
  // Maps and validates a GGUF file. Throws Error with a message naming the
  // file and the problem (unknown architecture, missing tensor, bad shape...).
  static std::unique_ptr<Model> Load(const std::string& path, const ModelOptions& options = {});
  // The same for a file already parsed (so `inspect` parses once, and the
  // fuzzer loads from memory); takes ownership of it.
  static std::unique_ptr<Model> Load(std::unique_ptr<GgufFile> file, const ModelOptions& options = {});
  ~Model();

  const ModelConfig& config() const { return config_; }
  const GgufFile& file() const { return *file_; }
  const Weights& weights() const { return weights_; }
  // The activation precision every matrix product of this model uses (the
  // load option, auto resolved against weight_bytes()).
  ActPrecision precision() const { return precision_; }
  // Bytes of every tensor in the file (what auto precision is decided on).
  uint64_t weight_bytes() const { return weight_bytes_; }

  // An empty cache for `capacity` positions; pages are allocated as they fill.
  KvCache NewCache(int capacity, int page_positions = KvCache::kDefaultPagePositions) const;

  // Runs `tokens` at positions cache.size() .. cache.size() + n - 1, appends
  // their keys/values to the cache, and returns the logits: [vocab_size] for
  // the last token, or [n][vocab_size] with options.all_logits. The span
  // points into `ws` and is valid until its next use. Any number of tokens is
  // accepted; they are processed in batches of ws.max_batch(). The
  // one-segment case of ForwardBatch (the same code).
  // Throws Error(kInvalidArgument) for a token id outside the vocabulary and
  // Error(kOutOfRange) when the cache is full.
  std::span<const float> Forward(std::span<const int32_t> tokens, KvCache& cache, Workspace& ws,
                                 ThreadPool& pool, const ForwardOptions& options = {}) const;

  // One forward step over several sequences: every weight matrix is applied
  // once to the rows of all segments; attention runs per segment over its own
  // cache. Each segment's results equal Forward() of that segment alone, bit
  // for bit. Segments may mix prefill chunks and single decode tokens; rows
  // run in chunks of ws.max_batch() (a segment may straddle chunks).
  // Throws as Forward does (checked for every segment before anything runs)
  // and Error(kInvalidArgument) for an empty segment or a cache given twice.
  const BatchResult& ForwardBatch(std::span<const BatchSegment> segments, Workspace& ws,
                                  ThreadPool& pool) const;

 private:
  Model() = default;
  // Throws Error if a segment is empty, a token is outside the vocabulary, a
  // cache appears twice or would overflow; writes nothing.
  void CheckSegments(std::span<const BatchSegment> segments, const Workspace& ws) const;
  // Runs ws.segments_ in chunks of at most max_batch rows.
  void Step(Workspace& ws, ThreadPool& pool) const;
  // One chunk: ws.rows_[0..n).
  void ForwardRows(int n, Workspace& ws, ThreadPool& pool) const;
  // The two sub-blocks of layer l over the chunk's n rows (ws.x_ updated).
  void AttentionBlock(int l, int n, Workspace& ws, ThreadPool& pool) const;
  void FeedForwardBlock(int l, int n, Workspace& ws, ThreadPool& pool) const;
  void WriteLogits(int n, Workspace& ws, ThreadPool& pool) const;
  // First cache position a query at `pos` attends to in `layer` (its window).
  int FirstKey(int layer, int pos) const;
  void Attention(int layer, int n, Workspace& ws, ThreadPool& pool) const;
  // Heads of one row attended together when they share a kv head (at most this many).
  static constexpr int kMaxHeadsTogether = 16;
  void AttendRange(int layer, int64_t begin, int64_t end, Workspace& ws) const;
  void AttendHeads(int layer, int t, int h0, int count, Workspace& ws) const;
  void RecordHeadStats(int layer, int h, const float* p, int first, int n_pos, double abs_sum,
                       AttentionStats& st) const;
  void Agreement(int layer, int row, Workspace& ws) const;

  std::unique_ptr<GgufFile> file_;
  ModelConfig config_;
  Weights weights_;
  std::vector<double> inv_freq_;        // [rope_dim / 2] rotary frequency of each pair
  std::vector<double> inv_freq_local_;  // [rope_dim / 2] for local_rope layers; empty if none
  uint64_t weight_bytes_ = 0;
  ActPrecision precision_ = ActPrecision::kF32;
};

}  // namespace entropix
