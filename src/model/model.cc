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

inline float Silu(float x) { return x / (1.0f + std::exp(-x)); }

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
  rope_cos_.resize(b * (c.rope_dim / 2));
  rope_sin_.resize(b * (c.rope_dim / 2));
  stats_.n_layers = c.n_layers;
  stats_.n_heads = c.n_heads;
  const size_t lh = static_cast<size_t>(c.n_layers) * c.n_heads;
  stats_.entropy_bits.resize(lh);
  stats_.varentropy_bits.resize(lh);
  stats_.mean_abs_score.resize(lh);
  stats_.agreement.resize(c.n_layers);
}

Model::~Model() = default;

std::unique_ptr<Model> Model::Load(const std::string& path) { return Load(GgufFile::Open(path)); }

std::unique_ptr<Model> Model::Load(std::unique_ptr<GgufFile> file) {
  ENTROPIX_CHECK(file != nullptr);
  std::unique_ptr<Model> m(new Model());
  m->file_ = std::move(file);
  m->config_ = ReadModelConfig(*m->file_);
  BindWeights(*m->file_, m->config_, m->weights_);
  m->inv_freq_ = RopeFrequencies(m->config_);
  return m;
}

KvCache Model::NewCache(int capacity) const {
  return KvCache(config_.n_layers, config_.kv_dim(), capacity);
}

std::span<const float> Model::Forward(std::span<const int32_t> tokens, KvCache& cache,
                                      Workspace& ws, ThreadPool& pool,
                                      const ForwardOptions& options) const {
  const int n = static_cast<int>(tokens.size());
  if (n == 0) throw Error(ErrorCode::kInvalidArgument, "Forward needs at least one token");
  for (int32_t t : tokens) {
    if (t < 0 || t >= config_.vocab_size) {
      throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(t) +
                                                   " is outside the vocabulary (0.." +
                                                   std::to_string(config_.vocab_size - 1) + ")");
    }
  }
  if (cache.size() + n > cache.capacity() || cache.size() + n > ws.capacity_) {
    throw Error(ErrorCode::kOutOfRange,
                "context is full: " + std::to_string(cache.size()) + " + " + std::to_string(n) +
                    " tokens exceed the context size of " +
                    std::to_string(std::min(cache.capacity(), ws.capacity_)) +
                    "; start a new conversation or raise the context size (-c)");
  }
  const size_t vocab = config_.vocab_size;
  const size_t out_rows = options.all_logits ? n : 1;
  if (ws.logits_.size() < out_rows * vocab) ws.logits_.resize(out_rows * vocab);
  for (int done = 0; done < n;) {
    const int b = std::min(ws.max_batch_, n - done);
    const bool last = done + b == n;
    float* out = options.all_logits ? ws.logits_.data() + done * vocab
                                    : (last ? ws.logits_.data() : nullptr);
    ForwardChunk(tokens.data() + done, b, cache, ws, pool, last && options.attention_stats, out,
                 options.all_logits);
    done += b;
  }
  if (options.attention_stats) ws.stats_.n_positions = cache.size();
  return {ws.logits_.data(), out_rows * vocab};
}

void Model::ForwardChunk(const int32_t* tokens, int n, KvCache& cache, Workspace& ws,
                         ThreadPool& pool, bool want_stats, float* logits_out,
                         bool all_logits) const {
  const ModelConfig& c = config_;
  const KernelTable& k = GetKernels();
  const int d = c.model_dim, qd = c.q_dim(), kvd = c.kv_dim(), fd = c.ffn_dim;
  const int start = cache.size();
  float* x = ws.x_.data();
  float* xn = ws.xn_.data();

  // x[t] = token_embd[tokens[t]]
  for (int t = 0; t < n; ++t) {
    k.dequantize_row(weights_.token_embd.type, weights_.token_embd.row(tokens[t]), x + t * d, d);
  }
  // Rotary angles of each position, shared by all layers and heads.
  const int half = c.rope_dim / 2;
  for (int t = 0; t < n; ++t) {
    for (int i = 0; i < half; ++i) {
      const double angle = static_cast<double>(start + t) * inv_freq_[i];
      ws.rope_cos_[t * half + i] = static_cast<float>(std::cos(angle));
      ws.rope_sin_[t * half + i] = static_cast<float>(std::sin(angle));
    }
  }

  for (int l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = weights_.layers[l];
    // Attention block.
    for (int t = 0; t < n; ++t) {
      RmsNorm(x + t * d, reinterpret_cast<const float*>(lw.attn_norm.data), xn + t * d, d, c.rms_eps);
    }
    auto bias = [](const WeightView& b) {
      return b.present() ? reinterpret_cast<const float*>(b.data) : nullptr;
    };
    MatMul(lw.wq, xn, n, ws.q_.data(), bias(lw.bq), ws.xq_, pool);
    MatMul(lw.wk, xn, n, ws.k_.data(), bias(lw.bk), ws.xq_, pool);
    MatMul(lw.wv, xn, n, ws.v_.data(), bias(lw.bv), ws.xq_, pool);
    float* kc = cache.keys(l);
    float* vc = cache.values(l);
    for (int t = 0; t < n; ++t) {
      const float* cs = ws.rope_cos_.data() + t * half;
      const float* sn = ws.rope_sin_.data() + t * half;
      ApplyRope(ws.q_.data() + t * qd, c.n_heads, c.head_dim, c.rope_dim, c.rope_style, cs, sn);
      ApplyRope(ws.k_.data() + t * kvd, c.n_kv_heads, c.head_dim, c.rope_dim, c.rope_style, cs, sn);
      std::memcpy(kc + static_cast<size_t>(start + t) * kvd, ws.k_.data() + t * kvd, kvd * sizeof(float));
      std::memcpy(vc + static_cast<size_t>(start + t) * kvd, ws.v_.data() + t * kvd, kvd * sizeof(float));
    }
    Attention(l, n, start, cache, ws, pool, want_stats);
    MatMul(lw.wo, ws.attn_.data(), n, xn, nullptr, ws.xq_, pool);
    for (int i = 0; i < n * d; ++i) x[i] += xn[i];

    // Feed-forward block (SwiGLU).
    for (int t = 0; t < n; ++t) {
      RmsNorm(x + t * d, reinterpret_cast<const float*>(lw.ffn_norm.data), xn + t * d, d, c.rms_eps);
    }
    MatMul(lw.w_gate, xn, n, ws.gate_.data(), nullptr, ws.xq_, pool);
    MatMul(lw.w_up, xn, n, ws.up_.data(), nullptr, ws.xq_, pool);
    for (int i = 0; i < n * fd; ++i) ws.gate_[i] = Silu(ws.gate_[i]) * ws.up_[i];
    MatMul(lw.w_down, ws.gate_.data(), n, xn, nullptr, ws.xq_, pool);
    for (int i = 0; i < n * d; ++i) x[i] += xn[i];
  }
  cache.SetSize(start + n);

  if (!logits_out) return;
  const int first = all_logits ? 0 : n - 1;
  const int rows = n - first;
  const float* norm = reinterpret_cast<const float*>(weights_.output_norm.data);
  for (int t = first; t < n; ++t) RmsNorm(x + t * d, norm, xn + (t - first) * d, d, c.rms_eps);
  MatMul(weights_.output, xn, rows, logits_out, nullptr, ws.xq_, pool);
}

// First version: one Forward per segment (correct, not yet batched: the
// matrices are read once per segment).
const BatchResult& Model::ForwardBatch(std::span<const BatchSegment> segments, Workspace& ws,
                                       ThreadPool& pool) const {
  for (size_t i = 0; i < segments.size(); ++i) {
    const BatchSegment& s = segments[i];
    if (s.cache == nullptr || s.tokens.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "ForwardBatch: segment " + std::to_string(i) +
                                                   " has no cache or no tokens");
    }
    for (size_t j = 0; j < i; ++j) {
      if (segments[j].cache == s.cache) {
        throw Error(ErrorCode::kInvalidArgument, "ForwardBatch: a cache appears twice");
      }
    }
  }
  const size_t n = segments.size();
  if (ws.seg_logits_.size() < n) ws.seg_logits_.resize(n);
  if (ws.seg_stats_.size() < n) ws.seg_stats_.resize(n);
  BatchResult& r = ws.result_;
  r.logits_.assign(n, {});
  r.stats_.assign(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    const BatchSegment& s = segments[i];
    ForwardOptions o;
    o.attention_stats = s.attention_stats;
    o.all_logits = s.all_logits;
    std::span<const float> out = Forward(s.tokens, *s.cache, ws, pool, o);
    if (s.logits || s.all_logits) {
      ws.seg_logits_[i].assign(out.begin(), out.end());
      r.logits_[i] = ws.seg_logits_[i];
    }
    if (s.attention_stats) {
      ws.seg_stats_[i] = ws.stats_;
      r.stats_[i] = &ws.seg_stats_[i];
    }
  }
  return r;
}

// Causal attention of the batch's queries over cache positions 0..start+t.
// With want_stats, the last query's distribution statistics are recorded
// from the same softmax rows (no second pass over the cache).
void Model::Attention(int layer, int n, int start, KvCache& cache, Workspace& ws, ThreadPool& pool,
                      bool want_stats) const {
  const ModelConfig& c = config_;
  const int hd = c.head_dim, qd = c.q_dim(), kvd = c.kv_dim();
  const int group = c.n_heads / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* kc = cache.keys(layer);
  const float* vc = cache.values(layer);
  const size_t cap = ws.capacity_;
  AttentionStats& st = ws.stats_;
  const KernelTable& k = GetKernels();

  pool.ParallelFor(static_cast<int64_t>(n) * c.n_heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int t = static_cast<int>(task / c.n_heads);
      const int h = static_cast<int>(task % c.n_heads);
      const int kvh = h / group;
      const int n_pos = start + t + 1;
      const float* q = ws.q_.data() + static_cast<size_t>(t) * qd + h * hd;
      float* p = ws.scores_.data() + static_cast<size_t>(task) * cap;  // [n_pos]
      // Scores against this kv head's keys: a matvec over the cache rows
      // (stride kv_dim), in the F32 SIMD kernel.
      k.matvec(GgmlType::F32, kc + kvh * hd, static_cast<size_t>(kvd) * sizeof(float), n_pos, hd,
               q, p);
      float max = -INFINITY;
      for (int j = 0; j < n_pos; ++j) {
        p[j] *= scale;
        max = std::max(max, p[j]);
      }
      const bool stats_here = want_stats && t == n - 1;
      double abs_sum = 0.0;
      if (stats_here) {
        for (int j = 0; j < n_pos; ++j) abs_sum += std::fabs(p[j]);
      }
      double sum = 0.0;
      for (int j = 0; j < n_pos; ++j) {
        p[j] = std::exp(p[j] - max);
        sum += p[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      float* out = ws.attn_.data() + static_cast<size_t>(t) * qd + h * hd;
      std::fill(out, out + hd, 0.0f);
      for (int j = 0; j < n_pos; ++j) {
        p[j] *= inv;
        const float* v = vc + static_cast<size_t>(j) * kvd + kvh * hd;
        for (int i = 0; i < hd; ++i) out[i] += p[j] * v[i];
      }
      if (stats_here) {
        // Entropy and varentropy of this head's distribution, in bits.
        double ent = 0.0, e2 = 0.0;
        for (int j = 0; j < n_pos; ++j) {
          if (p[j] > 0.0f) {
            const double lp = std::log2(static_cast<double>(p[j]));
            ent -= p[j] * lp;
            e2 += p[j] * lp * lp;
          }
        }
        const size_t idx = static_cast<size_t>(layer) * c.n_heads + h;
        st.entropy_bits[idx] = static_cast<float>(ent);
        st.varentropy_bits[idx] = static_cast<float>(std::max(0.0, e2 - ent * ent));
        st.mean_abs_score[idx] = static_cast<float>(abs_sum / n_pos);
      }
    }
  });

  if (want_stats) {
    // Agreement: mean over heads and positions of |p_h(j) - mean_h p(j)|,
    // from the softmax rows left in scratch by the last query.
    const int t = n - 1;
    const int n_pos = start + t + 1;
    double total = 0.0;
    for (int j = 0; j < n_pos; ++j) {
      double mean = 0.0;
      for (int h = 0; h < c.n_heads; ++h) mean += ws.scores_[(static_cast<size_t>(t) * c.n_heads + h) * cap + j];
      mean /= c.n_heads;
      for (int h = 0; h < c.n_heads; ++h) {
        total += std::fabs(ws.scores_[(static_cast<size_t>(t) * c.n_heads + h) * cap + j] - mean);
      }
    }
    st.agreement[layer] = static_cast<float>(total / (static_cast<double>(c.n_heads) * n_pos));
  }
}

}  // namespace entropix
