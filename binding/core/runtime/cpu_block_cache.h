// A CPU allocator for libtorch that keeps freed large blocks (activations, gradients) for reuse.
// Our forward passes and training steps run on threads of their own, and glibc gives such threads
// their own malloc arena, whose heaps it unmaps as soon as they empty: every call then page-faults
// its activations in again (55,000 faults, a fifth of the time, for a CNN14 batch). The main
// thread's arena keeps them under tune_process()'s settings; this cache does the same for ours.
#pragma once
#include <cstddef>

namespace ser::runtime {

// Once per process, before any tensor exists that the cache would have to free (the addon calls it
// at load): installs the cache as libtorch's CPU allocator (blocks of 1 MiB and more mapped with
// mmap, smaller ones from c10's alloc_cpu).
// Blocks of 1 MiB and more are cached (rounded up to 64 KiB); smaller ones are freed at once.
// The idle total is capped (SER_TORCH_CPU_CACHE_MB, default 2048; 0 turns the cache off).
void install_block_cache();

// Frees every idle block (after a model is disposed or a training run ends).
void release_idle_blocks();

size_t idle_block_bytes();

// After an allocation failed: frees the idle blocks and trims malloc's heaps, so that the process
// stays usable (a failed load of a too-large model left a later good model's calls hanging).
void release_memory_after_failure();

}  // namespace ser::runtime
