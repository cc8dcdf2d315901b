// c10::Allocator across libtorch 1.13 (Debian) and 2.x: 2.x made allocate() non-const and added
// the pure virtual copy_data(). An allocator spells its allocate() as
// `c10::DataPtr allocate(size_t n) SER_ALLOCATE_CONST override` and adds SER_ALLOCATOR_COPY_DATA.
#pragma once
#include <c10/core/Allocator.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#define SER_ALLOCATE_CONST
#define SER_ALLOCATOR_COPY_DATA \
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#else
#define SER_ALLOCATE_CONST const
#define SER_ALLOCATOR_COPY_DATA
#endif
