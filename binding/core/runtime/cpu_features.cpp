#include "runtime/cpu_features.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace ser::runtime {
namespace {

#if defined(__x86_64__) || defined(__i386__)
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  if (!__get_cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d)) return Regs{};
  return r;
}

uint64_t xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned reg, int n) { return (reg >> n) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  Regs v = cpuid(0);
  char vendor[13] = {};
  std::memcpy(vendor, &v.b, 4);
  std::memcpy(vendor + 4, &v.d, 4);
  std::memcpy(vendor + 8, &v.c, 4);
  f.vendor = vendor;
  if (cpuid(0x80000000).a >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      Regs r = cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    f.model_name = brand;
    const auto first = f.model_name.find_first_not_of(' ');
    f.model_name = first == std::string::npos ? "" : f.model_name.substr(first);
    while (!f.model_name.empty() && f.model_name.back() == ' ') f.model_name.pop_back();
  }
  const unsigned max_leaf = v.a;
  Regs l1 = cpuid(1);
  const bool osxsave = bit(l1.c, 27);
  const uint64_t xcr = osxsave ? xcr0() : 0;
  const bool ymm_os = (xcr & 0x6) == 0x6;              // SSE + AVX state
  const bool zmm_os = ymm_os && (xcr & 0xe0) == 0xe0;  // opmask + both zmm halves
  const bool amx_os = (xcr & 0x60000) == 0x60000;      // XTILECFG + XTILEDATA
  if (max_leaf < 7) return f;
  Regs l7 = cpuid(7, 0);
  Regs l7s1 = l7.a >= 1 ? cpuid(7, 1) : Regs{};
  f.avx2 = ymm_os && bit(l7.b, 5);
  f.avx512 = zmm_os && bit(l7.b, 16) && bit(l7.b, 30) && bit(l7.b, 31);  // F, BW, VL
  f.avx512_vnni = f.avx512 && bit(l7.c, 11);
  f.avx512_bf16 = f.avx512 && bit(l7s1.a, 5);
  f.avx_vnni = ymm_os && bit(l7s1.a, 4);
  f.amx_bf16 = amx_os && bit(l7.d, 24) && bit(l7.d, 22);  // AMX-TILE + AMX-BF16
  f.amx_int8 = amx_os && bit(l7.d, 24) && bit(l7.d, 25);
  f.bf16 = f.avx512_bf16 || f.amx_bf16;
  f.int8 = f.amx_int8 ? "amx" : (f.avx512_vnni || f.avx_vnni) ? "vnni" : f.avx2 ? "avx2" : "none";
  return f;
}
#else
CpuFeatures detect() {
  CpuFeatures f;
  f.int8 = "none";
  return f;
}
#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f = detect();
    const char* off = std::getenv("SER_TORCH_NO_NATIVE_BF16");
    if (off && std::string(off) == "1") f.bf16 = f.avx512_bf16 = f.amx_bf16 = false;
    return f;
  }();
  return features;
}

}  // namespace ser::runtime
