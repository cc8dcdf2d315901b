// What this processor offers for low-precision matrix work, read from CPUID (and the OS's XCR0:
// AVX-512 / AMX state the kernel does not save cannot be used). Decides what precision 'auto'
// picks and whether 'bf16' would run on a slow emulation.
#pragma once
#include <string>

namespace ser::runtime {

struct CpuFeatures {
  std::string vendor;      // "AuthenticAMD", "GenuineIntel", ...
  std::string model_name;  // the brand string
  bool avx2 = false;
  bool avx512 = false;       // AVX-512 F + BW + VL with the OS saving the zmm state
  bool avx512_bf16 = false;  // VDPBF16PS: bf16 dot products at 2x the float32 rate
  bool avx512_vnni = false;  // VPDPBUSD: int8 dot products
  bool avx_vnni = false;     // the same on 256-bit registers (Alder Lake and later)
  bool amx_bf16 = false;     // AMX tiles (Sapphire Rapids and later), usable by this process
  bool amx_int8 = false;
  // Summaries: native bf16 matrix instructions; the best int8 path ("amx", "vnni", "avx2", "none").
  bool bf16 = false;
  std::string int8;
};

// Read once. SER_TORCH_NO_NATIVE_BF16=1 reports native bf16 as absent: 'auto' then picks float32
// and 'bf16' warns, as on a processor without it (to compare, or to test that path).
const CpuFeatures& cpu_features();

}  // namespace ser::runtime
