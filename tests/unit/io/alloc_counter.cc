// Replaces the global operator new of the test binary it is linked into, to
// count the bytes requested (gguf_memory_test.cc). In its own file so the
// replacements are never inlined into the code they measure.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_requested_bytes{0};
}  // namespace

namespace entropix::testing {
uint64_t TotalRequestedBytes() { return g_requested_bytes.load(std::memory_order_relaxed); }
}  // namespace entropix::testing

void* operator new(size_t n) {
  g_requested_bytes.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
