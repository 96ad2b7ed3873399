#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "core/error.h"
#include "io/gguf.h"
#include "kernels/kernels.h"
#include "model/archs/registry.h"
#include "model/matmul.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

// y = x / rms(x) * w   x, y, w: [n]
void RmsNorm(const float* x, const float* w, float* y, int n, float eps) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / n + eps));
  for (int i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

// Rotates the first rope_dim dimensions of each head of `v` ([n_heads][head_dim]).
void ApplyRope(float* v, int n_heads, int head_dim, int rope_dim, RopeStyle style,
               const float* cos, const float* sin) {
  const int half = rope_dim / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* x = v + h * head_dim;
    for (int i = 0; i < half; ++i) {
      const int a = style == RopeStyle::kAdjacent ? 2 * i : i;
      const int b = style == RopeStyle::kAdjacent ? 2 * i + 1 : i + half;
      const float x0 = x[a], x1 = x[b];
      x[a] = x0 * cos[i] - x1 * sin[i];
      x[b] = x0 * sin[i] + x1 * cos[i];
    }
  }
}

// Rotary frequency of each pair, with the family's context scaling.
std::vector<double> RopeFrequencies(const ModelConfig& c) {
  const int half = c.rope_dim / 2;
  std::vector<double> f(half);
  for (int i = 0; i < half; ++i) {
    f[i] = std::pow(static_cast<double>(c.rope_theta), -2.0 * i / c.rope_dim);
    if (c.rope_scaling == RopeScaling::kLinear) {
      f[i] /= c.rope_scale_factor;
    } else if (c.rope_scaling == RopeScaling::kLlama3) {
      // Llama 3.1: keep high frequencies, divide low ones by the factor, and
      // blend linearly in between (by wavelength relative to the original context).
      const double wavelen = 2.0 * std::numbers::pi / f[i];
      const double low_wavelen = c.rope_original_context / c.rope_low_freq_factor;
      const double high_wavelen = c.rope_original_context / c.rope_high_freq_factor;
      if (wavelen > low_wavelen) {
        f[i] /= c.rope_scale_factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (c.rope_original_context / wavelen - c.rope_low_freq_factor) /
                              (c.rope_high_freq_factor - c.rope_low_freq_factor);
        f[i] = (1.0 - smooth) * f[i] / c.rope_scale_factor + smooth * f[i];
      }
    }
  }
  return f;
}

// Rotary frequencies of local_rope layers (base rope_theta_local, no
// scaling); empty when no layer uses them.
std::vector<double> LocalRopeFrequencies(const ModelConfig& c) {
  bool any = false;
  for (const LayerAttention& a : c.layer_attention) any = any || a.local_rope;
  if (!any) return {};
  std::vector<double> f(c.rope_dim / 2);
  for (size_t i = 0; i < f.size(); ++i) {
    f[i] = std::pow(static_cast<double>(c.rope_theta_local), -2.0 * static_cast<double>(i) / c.rope_dim);
  }
  return f;
}

inline float Silu(float x) { return x / (1.0f + std::exp(-x)); }

// GELU, tanh approximation (Hendrycks & Gimpel 2016, eq. for "gelu_pytorch_tanh").
inline float GeluTanh(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

// gate[i] = act(gate[i]) * up[i], in chunks across the pool's threads: each
// element is computed alone, so the chunking changes no bit. (Serial, this
// loop was about 3 % of a batched Qwen step and 11 % of gemma's prompt pass.)
void GatedActivation(FfnActivation act, float* gate, const float* up, int64_t count, ThreadPool& pool) {
  constexpr int64_t kGrain = 2048;
  pool.ParallelFor(count, kGrain, [&](int64_t begin, int64_t end) {
    if (act == FfnActivation::kSilu) {
      for (int64_t i = begin; i < end; ++i) gate[i] = Silu(gate[i]) * up[i];
    } else {
      for (int64_t i = begin; i < end; ++i) gate[i] = GeluTanh(gate[i]) * up[i];
    }
  });
}

void SizeStats(const ModelConfig& c, AttentionStats& s) {
  s.n_layers = c.n_layers;
  s.n_heads = c.n_heads;
  const size_t lh = static_cast<size_t>(c.n_layers) * c.n_heads;
  s.entropy_bits.resize(lh);
  s.varentropy_bits.resize(lh);
  s.mean_abs_score.resize(lh);
  s.agreement.resize(c.n_layers);
}

const float* Floats(const WeightView& w) { return reinterpret_cast<const float*>(w.data); }
const float* BiasOrNull(const WeightView& b) { return b.present() ? Floats(b) : nullptr; }

}  // namespace

Workspace::Workspace(const ModelConfig& c, int max_batch, int capacity)
    : max_batch_(max_batch), capacity_(capacity) {
  ENTROPIX_CHECK(max_batch >= 1 && capacity >= 1);
  const size_t b = max_batch;
  x_.resize(b * c.model_dim);
  xn_.resize(b * c.model_dim);
  q_.resize(b * c.q_dim());
  k_.resize(b * c.kv_dim());
  v_.resize(b * c.kv_dim());
  attn_.resize(b * c.q_dim());
  gate_.resize(b * c.ffn_dim);
  up_.resize(b * c.ffn_dim);
  scores_.resize(b * c.n_heads * static_cast<size_t>(capacity));
  rope_cos_.resize(2 * b * (c.rope_dim / 2));
  rope_sin_.resize(2 * b * (c.rope_dim / 2));
  rows_.resize(b);
  SizeStats(c, stats_);
}

Model::~Model() = default;

std::unique_ptr<Model> Model::Load(const std::string& path, const ModelOptions& options) {
  // The option first: a bad ENTROPIX_ACT_PRECISION fails before the file is mapped.
  const PrecisionChoice choice = options.precision.value_or(DefaultPrecisionChoice());
  ModelOptions resolved;
  resolved.precision = choice;
  return Load(GgufFile::Open(path), resolved);
}

std::unique_ptr<Model> Model::Load(std::unique_ptr<GgufFile> file, const ModelOptions& options) {
  ENTROPIX_CHECK(file != nullptr);
  const PrecisionChoice choice = options.precision.value_or(DefaultPrecisionChoice());
  std::unique_ptr<Model> m(new Model());
  m->file_ = std::move(file);
  m->config_ = ReadModelConfig(*m->file_);
  BindWeights(*m->file_, m->config_, m->weights_);
  m->inv_freq_ = RopeFrequencies(m->config_);
  m->inv_freq_local_ = LocalRopeFrequencies(m->config_);
  for (const auto& t : m->file_->tensors()) m->weight_bytes_ += t.nbytes;
  m->precision_ = ResolvePrecision(choice, m->weight_bytes_);
  return m;
}

KvCache Model::NewCache(int capacity, int page_positions) const {
  return KvCache(config_.n_layers, config_.n_kv_heads, config_.head_dim, capacity, page_positions);
}

void Model::CheckSegments(std::span<const BatchSegment> segments, const Workspace& ws) const {
  for (size_t i = 0; i < segments.size(); ++i) {
    const BatchSegment& s = segments[i];
    if (s.cache == nullptr || s.tokens.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "forward step: segment " + std::to_string(i) + " has no cache or no tokens");
    }
    for (size_t j = 0; j < i; ++j) {
      if (segments[j].cache == s.cache) {
        throw Error(ErrorCode::kInvalidArgument, "forward step: a cache appears twice");
      }
    }
    for (int32_t t : s.tokens) {
      if (t < 0 || t >= config_.vocab_size) {
        throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(t) +
                                                     " is outside the vocabulary (0.." +
                                                     std::to_string(config_.vocab_size - 1) + ")");
      }
    }
    const KvCache& cache = *s.cache;
    const int n = static_cast<int>(s.tokens.size());
    if (cache.size() + n > cache.capacity() || cache.size() + n > ws.capacity_) {
      throw Error(ErrorCode::kOutOfRange,
                  "context is full: " + std::to_string(cache.size()) + " + " + std::to_string(n) +
                      " tokens exceed the context size of " +
                      std::to_string(std::min(cache.capacity(), ws.capacity_)) +
                      "; start a new conversation or raise the context size (-c)");
    }
  }
}

std::span<const float> Model::Forward(std::span<const int32_t> tokens, KvCache& cache,
                                      Workspace& ws, ThreadPool& pool,
                                      const ForwardOptions& options) const {
  BatchSegment seg;
  seg.cache = &cache;
  seg.tokens = tokens;
  seg.all_logits = options.all_logits;
  CheckSegments(std::span<const BatchSegment>(&seg, 1), ws);
  const int n = static_cast<int>(tokens.size());
  ws.segments_.assign(1, {&cache, tokens.data(), n, cache.size(), 0, options.all_logits,
                          options.attention_stats ? &ws.stats_ : nullptr});
  Step(ws, pool);
  const size_t out_rows = options.all_logits ? n : 1;
  return {ws.logits_.data(), out_rows * config_.vocab_size};
}

const BatchResult& Model::ForwardBatch(std::span<const BatchSegment> segments, Workspace& ws,
                                       ThreadPool& pool) const {
  CheckSegments(segments, ws);
  const size_t n_seg = segments.size();
  if (ws.seg_stats_.size() < n_seg) {
    ws.seg_stats_.resize(n_seg);
    for (AttentionStats& s : ws.seg_stats_) SizeStats(config_, s);
  }
  ws.segments_.clear();
  int out_rows = 0;
  for (size_t i = 0; i < n_seg; ++i) {
    const BatchSegment& s = segments[i];
    const int n = static_cast<int>(s.tokens.size());
    const bool any = s.logits || s.all_logits;
    ws.segments_.push_back({s.cache, s.tokens.data(), n, s.cache->size(), any ? out_rows : -1,
                            s.all_logits, s.attention_stats ? &ws.seg_stats_[i] : nullptr});
    out_rows += s.all_logits ? n : (any ? 1 : 0);
  }
  Step(ws, pool);
  BatchResult& r = ws.result_;
  r.logits_.assign(n_seg, {});
  r.stats_.assign(n_seg, nullptr);
  const size_t vocab = config_.vocab_size;
  for (size_t i = 0; i < n_seg; ++i) {
    const Workspace::Segment& s = ws.segments_[i];
    if (s.out_row >= 0) {
      const size_t rows = s.all_logits ? s.n_tokens : 1;
      r.logits_[i] = {ws.logits_.data() + s.out_row * vocab, rows * vocab};
    }
    r.stats_[i] = s.stats;
  }
  return r;
}

// Concatenates the segments' tokens and runs them max_batch rows at a time;
// a segment may straddle chunks (its cache grows chunk by chunk, so later
// rows attend to earlier chunks' keys).
void Model::Step(Workspace& ws, ThreadPool& pool) const {
  size_t out_rows = 0;
  for (const Workspace::Segment& s : ws.segments_) {
    if (s.out_row >= 0) out_rows = s.out_row + (s.all_logits ? s.n_tokens : 1);
  }
  const size_t vocab = config_.vocab_size;
  if (ws.logits_.size() < out_rows * vocab) ws.logits_.resize(out_rows * vocab);

  const int n_seg = static_cast<int>(ws.segments_.size());
  int seg = 0, offset = 0;  // next token: segments_[seg].tokens[offset]
  while (seg < n_seg) {
    int n = 0;
    while (n < ws.max_batch_ && seg < n_seg) {
      const Workspace::Segment& s = ws.segments_[seg];
      const bool last = offset == s.n_tokens - 1;
      int out = -1;
      if (s.out_row >= 0 && s.all_logits) out = s.out_row + offset;
      if (s.out_row >= 0 && !s.all_logits && last) out = s.out_row;
      ws.rows_[n++] = {seg, s.start + offset, out, last && s.stats != nullptr};
      if (++offset == s.n_tokens) {
        ++seg;
        offset = 0;
      }
    }
    ForwardRows(n, ws, pool);
  }
}

void Model::ForwardRows(int n, Workspace& ws, ThreadPool& pool) const {
  const ModelConfig& c = config_;
  const KernelTable& k = GetKernels();
  const int d = c.model_dim;
  const int half = c.rope_dim / 2;
  const size_t table = static_cast<size_t>(ws.max_batch_) * half;  // one rope table in rope_cos_
  float* x = ws.x_.data();
  const Workspace::Row* rows = ws.rows_.data();

  // Pages for the new positions: a segment's rows in a chunk are adjacent.
  for (int t = 0; t < n; ++t) {
    if (t == 0 || rows[t].segment != rows[t - 1].segment) {
      int m = 1;
      while (t + m < n && rows[t + m].segment == rows[t].segment) ++m;
      ws.segments_[rows[t].segment].cache->PrepareAppend(m);
    }
  }
  for (int t = 0; t < n; ++t) {
    const Workspace::Segment& s = ws.segments_[rows[t].segment];
    // x[t] = token_embd[token] * embed_scale
    const int32_t token = s.tokens[rows[t].pos - s.start];
    k.dequantize_row(weights_.token_embd.type, weights_.token_embd.row(token), x + t * d, d);
    if (c.embed_scale != 1.0f) {
      for (int i = 0; i < d; ++i) x[t * d + i] *= c.embed_scale;
    }
    // Rotary angles of this row's own position, shared by all layers and
    // heads: table 0 for global layers, table 1 for local_rope layers.
    for (int r = 0; r < 2; ++r) {
      const std::vector<double>& freq = r == 0 ? inv_freq_ : inv_freq_local_;
      for (int i = 0; i < static_cast<int>(freq.size()); ++i) {
        const double angle = static_cast<double>(rows[t].pos) * freq[i];
        ws.rope_cos_[r * table + t * half + i] = static_cast<float>(std::cos(angle));
        ws.rope_sin_[r * table + t * half + i] = static_cast<float>(std::sin(angle));
      }
    }
  }

  for (int l = 0; l < c.n_layers; ++l) {
    AttentionBlock(l, n, ws, pool);
    FeedForwardBlock(l, n, ws, pool);
  }
  for (int t = 0; t < n; ++t) ws.segments_[rows[t].segment].cache->SetSize(rows[t].pos + 1);
  for (int t = 0; t < n; ++t) {
    if (rows[t].stats) ws.segments_[rows[t].segment].stats->n_positions = rows[t].pos + 1;
  }
  WriteLogits(n, ws, pool);
}

// x += [post_norm](wo . attention(rope(qk_norm(wq.xn)), ...)), xn = norm(x);
// one matmul per weight over all rows. Variants are decided here, per layer.
void Model::AttentionBlock(int l, int n, Workspace& ws, ThreadPool& pool) const {
  const ModelConfig& c = config_;
  const LayerWeights& lw = weights_.layers[l];
  const int d = c.model_dim, qd = c.q_dim(), kvd = c.kv_dim(), hd = c.head_dim;
  const int half = c.rope_dim / 2;
  float* x = ws.x_.data();
  float* xn = ws.xn_.data();
  const Workspace::Row* rows = ws.rows_.data();
  for (int t = 0; t < n; ++t) RmsNorm(x + t * d, Floats(lw.attn_norm), xn + t * d, d, c.rms_eps);
  MatMul(lw.wq, xn, n, ws.q_.data(), BiasOrNull(lw.bq), ws.xq_, precision_, pool);
  MatMul(lw.wk, xn, n, ws.k_.data(), BiasOrNull(lw.bk), ws.xq_, precision_, pool);
  MatMul(lw.wv, xn, n, ws.v_.data(), BiasOrNull(lw.bv), ws.xq_, precision_, pool);
  if (c.qk_norm) {
    // Each head normalised on its own, in place (gemma 3).
    for (int i = 0; i < n * c.n_heads; ++i) {
      float* q = ws.q_.data() + static_cast<size_t>(i) * hd;
      RmsNorm(q, Floats(lw.q_norm), q, hd, c.rms_eps);
    }
    for (int i = 0; i < n * c.n_kv_heads; ++i) {
      float* kh = ws.k_.data() + static_cast<size_t>(i) * hd;
      RmsNorm(kh, Floats(lw.k_norm), kh, hd, c.rms_eps);
    }
  }
  const size_t table = c.layer_attention[l].local_rope ? static_cast<size_t>(ws.max_batch_) * half : 0;
  for (int t = 0; t < n; ++t) {
    const float* cs = ws.rope_cos_.data() + table + t * half;
    const float* sn = ws.rope_sin_.data() + table + t * half;
    ApplyRope(ws.q_.data() + t * qd, c.n_heads, hd, c.rope_dim, c.rope_style, cs, sn);
    ApplyRope(ws.k_.data() + t * kvd, c.n_kv_heads, hd, c.rope_dim, c.rope_style, cs, sn);
    KvCache& cache = *ws.segments_[rows[t].segment].cache;
    cache.Write(l, rows[t].pos, ws.k_.data() + t * kvd, ws.v_.data() + t * kvd);
  }
  Attention(l, n, ws, pool);
  MatMul(lw.wo, ws.attn_.data(), n, xn, nullptr, ws.xq_, precision_, pool);
  if (c.norm_placement == NormPlacement::kSandwich) {
    for (int t = 0; t < n; ++t) RmsNorm(xn + t * d, Floats(lw.post_attn_norm), xn + t * d, d, c.rms_eps);
  }
  for (int i = 0; i < n * d; ++i) x[i] += xn[i];
}

// x += [post_norm](down(act(gate . xn) * (up . xn))), xn = norm(x).
void Model::FeedForwardBlock(int l, int n, Workspace& ws, ThreadPool& pool) const {
  const ModelConfig& c = config_;
  const LayerWeights& lw = weights_.layers[l];
  const int d = c.model_dim, fd = c.ffn_dim;
  float* x = ws.x_.data();
  float* xn = ws.xn_.data();
  float* gate = ws.gate_.data();
  const float* up = ws.up_.data();
  for (int t = 0; t < n; ++t) RmsNorm(x + t * d, Floats(lw.ffn_norm), xn + t * d, d, c.rms_eps);
  MatMul(lw.w_gate, xn, n, gate, nullptr, ws.xq_, precision_, pool);
  MatMul(lw.w_up, xn, n, ws.up_.data(), nullptr, ws.xq_, precision_, pool);
  GatedActivation(c.ffn_activation, gate, up, static_cast<int64_t>(n) * fd, pool);
  MatMul(lw.w_down, gate, n, xn, nullptr, ws.xq_, precision_, pool);
  if (c.norm_placement == NormPlacement::kSandwich) {
    for (int t = 0; t < n; ++t) RmsNorm(xn + t * d, Floats(lw.post_ffn_norm), xn + t * d, d, c.rms_eps);
  }
  for (int i = 0; i < n * d; ++i) x[i] += xn[i];
}

// Final norm and output matmul, only for the rows whose logits are wanted.
// Their logits_ rows are consecutive (rows run in segment order), so one
// matmul writes them in place.
void Model::WriteLogits(int n, Workspace& ws, ThreadPool& pool) const {
  const int d = config_.model_dim;
  int m = 0, first_out = -1;
  for (int t = 0; t < n; ++t) {
    const int out = ws.rows_[t].out_row;
    if (out < 0) continue;
    if (m == 0) first_out = out;
    ENTROPIX_CHECK(out == first_out + m);
    RmsNorm(ws.x_.data() + t * d, Floats(weights_.output_norm), ws.xn_.data() + m * d, d,
            config_.rms_eps);
    ++m;
  }
  if (m == 0) return;
  float* out = ws.logits_.data() + static_cast<size_t>(first_out) * config_.vocab_size;
  MatMul(weights_.output, ws.xn_.data(), m, out, nullptr, ws.xq_, precision_, pool);
  const float cap = config_.logit_softcap;
  if (cap > 0.0f) {
    const size_t count = static_cast<size_t>(m) * config_.vocab_size;
    for (size_t i = 0; i < count; ++i) out[i] = cap * std::tanh(out[i] / cap);
  }
}

// Causal attention of each row over its own segment's cache positions
// 0..pos, one task per (row, head). Rows that want statistics record them
// from the same softmax rows (no second pass over the cache).
//
// Each thread takes contiguous ranges of tasks, and runs the consecutive
// heads of a row that share a kv head together (AttendHeads): the group's
// keys and values are then read from memory once instead of once per query
// head, which is what bounds decode at long context. Every head's arithmetic
// is the same whichever heads run with it, so the split changes no bit.
void Model::Attention(int layer, int n, Workspace& ws, ThreadPool& pool) const {
  // The loop body captures the job by reference (ParallelFor copies nothing).
  struct Job {
    const Model* model;
    Workspace* ws;
    int layer;
  } job{this, &ws, layer};
  const int64_t tasks = static_cast<int64_t>(n) * config_.n_heads;
  // Few rows: one range per thread. Many rows: one kv head's group of a row
  // per chunk, taken as threads come free, because rows' contexts (so their
  // costs) differ widely in a batch; equal ranges left a thread waiting.
  const int64_t group = config_.n_heads / config_.n_kv_heads;
  const int64_t grain = tasks >= 8 * pool.size() * group ? group : (tasks + pool.size() - 1) / pool.size();
  pool.ParallelFor(tasks, grain, [&job](int64_t begin, int64_t end) {
    job.model->AttendRange(job.layer, begin, end, *job.ws);
  });
  // Only a segment's last row has statistics, so each row writes its own;
  // a step with at most one such row (greedy, a prefill) stays on this thread.
  int stat_rows = 0;
  for (int t = 0; t < n; ++t) stat_rows += ws.rows_[t].stats ? 1 : 0;
  const int64_t agreement_grain = stat_rows > 1 ? std::max<int64_t>(1, n / (4 * pool.size())) : n;
  pool.ParallelFor(n, agreement_grain, [&job](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      if (job.ws->rows_[t].stats) job.model->Agreement(job.layer, static_cast<int>(t), *job.ws);
    }
  });
}

// Tasks [begin, end) (task = row * n_heads + head), cut where the row or
// the kv head changes, and at kMaxHeadsTogether heads.
void Model::AttendRange(int layer, int64_t begin, int64_t end, Workspace& ws) const {
  const int n_heads = config_.n_heads;
  const int group = n_heads / config_.n_kv_heads;
  while (begin < end) {
    const int t = static_cast<int>(begin / n_heads);
    const int h = static_cast<int>(begin % n_heads);
    const int group_end = (h / group + 1) * group;
    const int64_t count = std::min<int64_t>({group_end - h, end - begin, kMaxHeadsTogether});
    AttendHeads(layer, t, h, static_cast<int>(count), ws);
    begin += count;
  }
}

// Query heads h0 .. h0 + count - 1 of row t, which share one kv head.
void Model::AttendHeads(int layer, int t, int h0, int count, Workspace& ws) const {
  const ModelConfig& c = config_;
  const int hd = c.head_dim, qd = c.q_dim();
  const KernelTable& k = GetKernels();
  const Workspace::Row& row = ws.rows_[t];
  const KvCache& cache = *ws.segments_[row.segment].cache;
  const int kvh = h0 / (c.n_heads / c.n_kv_heads);
  const int n_pos = row.pos + 1;
  const int first = FirstKey(layer, row.pos);  // keys first..pos (all of them unless a sliding window)
  const float* q = ws.q_.data() + static_cast<size_t>(t) * qd + static_cast<size_t>(h0) * hd;
  float* out = ws.attn_.data() + static_cast<size_t>(t) * qd + static_cast<size_t>(h0) * hd;
  // Head i's softmax row, [n_pos] from `first`.
  auto scores = [&](int i) {
    return ws.scores_.data() + (static_cast<size_t>(t) * c.n_heads + h0 + i) * ws.capacity_;
  };
  // Scaled scores against the kv head's keys, page run by page run (a
  // head's rows are contiguous within a page); every head of the group
  // reads a run while it is in cache. The kernel computes each row alike
  // whatever the run length, so neither paging nor grouping changes a bit.
  float max[kMaxHeadsTogether];
  std::fill(max, max + count, -INFINITY);
  for (int j = first; j < n_pos;) {
    const int run = std::min(cache.Run(j), n_pos - j);
    const float* keys = cache.key(layer, kvh, j);
    for (int i = 0; i < count; ++i) {
      max[i] = std::max(max[i], k.dot_rows(q + i * hd, keys, hd, run, hd, c.attn_scale, scores(i) + j));
    }
    j += run;
  }
  for (int i = 0; i < count; ++i) {
    float* p = scores(i);
    // Attention statistics need the raw scores' mean |score| first.
    double abs_sum = 0.0;
    if (row.stats) {
      for (int j = first; j < n_pos; ++j) abs_sum += std::fabs(p[j]);
    }
    const float inv = 1.0f / k.exp_sum(p + first, n_pos - first, max[i]);
    for (int j = first; j < n_pos; ++j) p[j] *= inv;
    if (row.stats) RecordHeadStats(layer, h0 + i, p, first, n_pos, abs_sum, *ws.segments_[row.segment].stats);
    std::fill(out + i * hd, out + (i + 1) * hd, 0.0f);
  }
  // out_i = sum_j p_i[j] * V[j], page run by page run, in position order
  // (the SIMD kernel keeps `out` in registers within a run, and a rounded
  // multiply then add per element leaves the same bits across runs).
  for (int j = first; j < n_pos;) {
    const int run = std::min(cache.Run(j), n_pos - j);
    const float* values = cache.value(layer, kvh, j);
    for (int i = 0; i < count; ++i) k.accumulate_rows(scores(i) + j, values, hd, run, hd, out + i * hd);
    j += run;
  }
}

// Entropy and varentropy (bits) of head h's attention distribution p over
// positions first..n_pos-1, and its mean |raw score|.
void Model::RecordHeadStats(int layer, int h, const float* p, int first, int n_pos, double abs_sum,
                            AttentionStats& st) const {
  double ent = 0.0, e2 = 0.0;
  for (int j = first; j < n_pos; ++j) {
    if (p[j] > 0.0f) {
      const double lp = std::log2(static_cast<double>(p[j]));
      ent -= p[j] * lp;
      e2 += p[j] * lp * lp;
    }
  }
  const size_t idx = static_cast<size_t>(layer) * config_.n_heads + h;
  st.entropy_bits[idx] = static_cast<float>(ent);
  st.varentropy_bits[idx] = static_cast<float>(std::max(0.0, e2 - ent * ent));
  st.mean_abs_score[idx] = static_cast<float>(abs_sum / (n_pos - first));
}

int Model::FirstKey(int layer, int pos) const {
  const int window = config_.layer_attention[layer].window;
  return window > 0 ? std::max(0, pos - window + 1) : 0;
}

// Agreement of row t: mean over heads and positions of |p_h(j) - mean_h p(j)|,
// from the softmax rows its tasks left in scratch (over the positions the
// layer attends to).
void Model::Agreement(int layer, int t, Workspace& ws) const {
  const int n_heads = config_.n_heads;
  const int n_pos = ws.rows_[t].pos + 1;
  const int first = FirstKey(layer, ws.rows_[t].pos);
  const size_t cap = ws.capacity_;
  const float* p = ws.scores_.data() + static_cast<size_t>(t) * n_heads * cap;  // [n_heads][cap]
  double total = 0.0;
  for (int j = first; j < n_pos; ++j) {
    double mean = 0.0;
    for (int h = 0; h < n_heads; ++h) mean += p[h * cap + j];
    mean /= n_heads;
    for (int h = 0; h < n_heads; ++h) total += std::fabs(p[h * cap + j] - mean);
  }
  AttentionStats& st = *ws.segments_[ws.rows_[t].segment].stats;
  st.agreement[layer] = static_cast<float>(total / (static_cast<double>(n_heads) * (n_pos - first)));
}

}  // namespace entropix
