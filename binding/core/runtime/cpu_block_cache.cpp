#include "runtime/cpu_block_cache.h"

#include <cstdlib>

#include <malloc.h>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <sys/mman.h>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>

#include "runtime/allocator_compat.h"

namespace ser::runtime {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kGranule = size_t{64} << 10;  // large sizes are rounded up to 64 KiB
// Each block starts with a header holding its size; the data follows, still 64-byte aligned.
// The data pointer is also the deleter's context, as raw_deleter() users (oneDNN) require.
constexpr size_t kHeader = 64;

size_t& size_of(void* base) { return *static_cast<size_t*>(base); }
void* data_of(void* base) { return static_cast<char*>(base) + kHeader; }
void* base_of(void* data) { return static_cast<char*>(data) - kHeader; }

class BlockCache final : public c10::Allocator {
 public:
  explicit BlockCache(size_t max_idle) : max_idle_(max_idle) {}

  c10::DataPtr allocate(size_t n) SER_ALLOCATE_CONST override {
    if (n > (size_t{1} << 62)) throw std::bad_alloc();
    // Small blocks are not cached; large ones are rounded up so that near sizes share blocks.
    const size_t size = n + kHeader < kMiB ? n + kHeader : (n + kHeader + kGranule - 1) / kGranule * kGranule;
    void* base = size >= kMiB ? take(size) : nullptr;
    if (!base) {
      base = size >= kMiB ? map_block(size) : c10::alloc_cpu(size);
      size_of(base) = size;
    }
    void* data = data_of(base);
    return {data, data, &BlockCache::raw_delete, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &BlockCache::raw_delete; }
  SER_ALLOCATOR_COPY_DATA

  void release_idle() {
    std::multimap<size_t, void*> idle;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle.swap(idle_);
      idle_bytes_ = 0;
    }
    for (auto& [size, p] : idle) free_block(p);
  }

  size_t idle_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_bytes_;
  }

  static BlockCache* instance;

 private:
  // The smallest idle block of at least `size` bytes, if it is at most twice that (so a small request
  // never pins a huge block; measured on CNN14, a tighter bound kept more memory idle).
  void* take(size_t size) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.lower_bound(size);
    if (it == idle_.end() || it->first > 2 * size) return nullptr;
    void* p = it->second;
    idle_bytes_ -= it->first;
    idle_.erase(it);
    return p;
  }

  // Large blocks are mapped and unmapped whole: freed, they give their address space back at
  // once. From malloc, a failed load's blocks stayed in its arenas' heaps, and a later good
  // model found no address space left under a limit (OpenBLAS then spun on its buffer).
  static void* map_block(size_t size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      release_memory_after_failure();  // what we keep idle may be what is missing
      p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    TORCH_CHECK(p != MAP_FAILED, "DefaultCPUAllocator: can't allocate memory: you tried to allocate ", size, " bytes.");
    return p;
  }

  static void free_block(void* base) {
    const size_t size = size_of(base);
    if (size >= kMiB) ::munmap(base, size);
    else c10::free_cpu(base);
  }

  static void raw_delete(void* data) {
    if (data) instance->keep(base_of(data));
  }

  void keep(void* base) const {
    const size_t size = size_of(base);
    if (size >= kMiB) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (idle_bytes_ + size <= max_idle_) {
        idle_.emplace(size, base);
        idle_bytes_ += size;
        return;
      }
    }
    free_block(base);
  }

  size_t max_idle_;
  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> idle_;  // size -> block
  mutable size_t idle_bytes_ = 0;
};

BlockCache* BlockCache::instance = nullptr;

size_t cap_from_env() {
  const char* v = std::getenv("SER_TORCH_CPU_CACHE_MB");
  if (!v || !*v) return 2048 * kMiB;
  char* end = nullptr;
  const double mb = std::strtod(v, &end);
  return end && *end == '\0' && mb >= 0 ? static_cast<size_t>(mb * kMiB) : 2048 * kMiB;
}

}  // namespace

void install_block_cache() {
  static std::once_flag once;
  std::call_once(once, [] {
    const size_t cap = cap_from_env();
    if (cap == 0) return;
    // Never destroyed: tensors may be freed during static destruction.
    BlockCache::instance = new BlockCache(cap);
    c10::SetCPUAllocator(BlockCache::instance, /*priority=*/1);
  });
}

void release_idle_blocks() {
  if (BlockCache::instance) BlockCache::instance->release_idle();
}

void release_memory_after_failure() {
  release_idle_blocks();
  // tune_process() keeps freed memory in malloc's heaps; after a failure, give it back, or the
  // next model's allocations (OpenBLAS's buffers among them) find no address space and spin.
  malloc_trim(0);
}

size_t idle_block_bytes() { return BlockCache::instance ? BlockCache::instance->idle_bytes() : 0; }

}  // namespace ser::runtime
