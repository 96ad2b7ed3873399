// A fixed pool of worker threads for data-parallel loops.
//
// Determinism: ParallelFor hands out disjoint index ranges; callers write each
// output element from exactly one range and never reduce across ranges, so
// results do not depend on the thread count or on scheduling.
//
// Latency: a decode step issues a few hundred small loops, so workers spin on
// a generation counter for a while before sleeping; waking a sleeping worker
// costs microseconds, a spinning one tens of nanoseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace entropix {

class ThreadPool {
 public:
  // n_threads counts the calling thread; 1 means no workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls body(begin, end) over disjoint ranges covering [0, n), each at most
  // `grain` long (grain >= 1), from all threads; returns when all are done.
  // Not re-entrant: body must not call ParallelFor. Allocates nothing: the
  // body is passed by reference (any callable, whatever it captures), not
  // copied into a std::function.
  template <class Body>
  void ParallelFor(int64_t n, int64_t grain, const Body& body) {
    Run(n, grain, BodyRef{&body, [](const void* f, int64_t begin, int64_t end) {
                            (*static_cast<const Body*>(f))(begin, end);
                          }});
  }

 private:
  // A non-owning reference to the caller's body for the duration of one call.
  struct BodyRef {
    const void* callable;
    void (*call)(const void* callable, int64_t begin, int64_t end);
    void operator()(int64_t begin, int64_t end) const { call(callable, begin, end); }
  };
  void Run(int64_t n, int64_t grain, BodyRef body);
  void WorkerLoop();
  void RunChunks();

  int n_threads_;
  std::vector<std::thread> workers_;

  // Current job, valid while a generation is in flight.
  BodyRef body_{nullptr, nullptr};
  int64_t n_ = 0;
  int64_t grain_ = 1;
  std::atomic<int64_t> next_{0};
  std::atomic<int> pending_{0};  // workers still inside the current job

  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
};

}  // namespace entropix
