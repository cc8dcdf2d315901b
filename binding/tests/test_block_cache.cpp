// The CPU block cache (runtime/cpu_block_cache.h): large blocks come back for reuse, small ones
// are not kept, results are unaffected, and idle blocks can be released.
#include <ATen/ATen.h>

#include "runtime/cpu_block_cache.h"
#include "runtime/threads.h"
#include "harness.h"

TEST_CASE("block cache: large blocks are reused, small ones are not kept, release empties it") {
  ser::runtime::tune_process();  // installs the cache
  ser::runtime::release_idle_blocks();
  CHECK(ser::runtime::idle_block_bytes() == 0);
  const void* first;
  {
    auto big = at::ones({1 << 20});  // 4 MiB
    first = big.data_ptr();
    CHECK(big.sum().item<float>() == static_cast<float>(1 << 20));
  }
  CHECK(ser::runtime::idle_block_bytes() >= size_t{4} << 20);
  {
    auto again = at::empty({1 << 20});  // the same size class: the same block
    CHECK(again.data_ptr() == first);
    CHECK(ser::runtime::idle_block_bytes() == 0);
    auto small = at::ones({1000});
    CHECK(small.sum().item<float>() == 1000.0f);
  }
  CHECK(ser::runtime::idle_block_bytes() >= size_t{4} << 20);
  CHECK(ser::runtime::idle_block_bytes() < size_t{5} << 20);  // the small tensor was not kept
  // A slightly smaller request may take the idle block; a much smaller one may not.
  {
    auto tiny_of_big = at::empty({(1 << 20) / 4});  // 1 MiB: under half the idle 4 MiB block
    CHECK(tiny_of_big.data_ptr() != first);
  }
  ser::runtime::release_idle_blocks();
  CHECK(ser::runtime::idle_block_bytes() == 0);
  // Values computed through cached blocks are right (a matmul reuses what the last one freed).
  auto a = at::randn({600, 600}), b = at::randn({600, 600});
  auto want = at::matmul(a.to(at::kDouble), b.to(at::kDouble)).to(at::kFloat);
  for (int i = 0; i < 3; ++i) CHECK((at::matmul(a, b) - want).abs().max().item<float>() < 1e-3);
}
