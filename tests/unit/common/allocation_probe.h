// AllocationProbe: the largest single heap allocation made through operator new while a probe
// is alive, so a test can show that a path never holds a whole (multi-megabyte) message in one
// std::string. Allocations by C libraries (SQLite's malloc) are not seen.
//
// This header REPLACES the global operator new/delete (with malloc/free plus a counter): include
// it from exactly one .cpp of a test binary, and nowhere else.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace mailsuite::testing {

inline std::atomic<bool> probe_active{false};
inline std::atomic<size_t> probe_largest{0};

class AllocationProbe {
 public:
  AllocationProbe() {
    probe_largest = 0;
    probe_active = true;
  }
  ~AllocationProbe() { probe_active = false; }
  AllocationProbe(const AllocationProbe&) = delete;
  AllocationProbe& operator=(const AllocationProbe&) = delete;
  size_t largest() const { return probe_largest; }
};

inline void* ProbedAllocate(size_t size) {
  if (probe_active.load(std::memory_order_relaxed)) {
    size_t seen = probe_largest.load(std::memory_order_relaxed);
    while (size > seen && !probe_largest.compare_exchange_weak(seen, size)) {
    }
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}

}  // namespace mailsuite::testing

void* operator new(size_t size) { return mailsuite::testing::ProbedAllocate(size); }
void* operator new[](size_t size) { return mailsuite::testing::ProbedAllocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
