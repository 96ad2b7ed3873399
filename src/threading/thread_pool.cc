#include "threading/thread_pool.h"

#include <chrono>

#include "core/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ENTROPIX_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define ENTROPIX_PAUSE() __asm__ __volatile__("yield")  // ARM's spin-wait hint
#else
#define ENTROPIX_PAUSE() std::this_thread::yield()
#endif

namespace entropix {
namespace {
// How long an idle worker spins before it sleeps. Long enough to bridge the
// gap between the loops of one decode step, short enough not to burn a core
// while the user types.
constexpr auto kSpinTime = std::chrono::microseconds(2000);
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  workers_.reserve(n_threads_ - 1);
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks() {
  for (;;) {
    const int64_t begin = next_.fetch_add(grain_, std::memory_order_relaxed);
    if (begin >= n_) break;
    const int64_t end = begin + grain_ < n_ ? begin + grain_ : n_;
    body_(begin, end);
  }
}

void ThreadPool::Run(int64_t n, int64_t grain, BodyRef body) {
  ENTROPIX_CHECK(grain >= 1);
  if (n <= 0) return;
  if (workers_.empty() || n <= grain) {
    for (int64_t b = 0; b < n; b += grain) body(b, b + grain < n ? b + grain : n);
    return;
  }
  body_ = body;
  n_ = n;
  grain_ = grain;
  next_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  {
    // The release makes the job fields visible to workers that see the new generation.
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (sleepers_.load(std::memory_order_acquire) > 0) cv_.notify_all();
  RunChunks();
  // Spin briefly, then yield: on an oversubscribed machine the workers we
  // wait for may need our core to finish.
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < 256) {
      ENTROPIX_PAUSE();
    } else {
      std::this_thread::yield();
    }
  }
  body_ = BodyRef{nullptr, nullptr};
}

void ThreadPool::WorkerLoop() {
  // Generation 0 is "no job yet": a worker that starts late must still take job 1.
  uint64_t seen = 0;
  for (;;) {
    // Spin, then sleep, until a new generation starts.
    auto spin_until = std::chrono::steady_clock::now() + kSpinTime;
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      if (++spins < 256) {
        ENTROPIX_PAUSE();
      } else {
        std::this_thread::yield();  // give the core away if someone else needs it
      }
      if (spins % 64 == 0 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        sleepers_.fetch_sub(1);
        break;
      }
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    RunChunks();
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace entropix
