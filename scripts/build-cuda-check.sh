#!/usr/bin/env bash
# Issue 14, item 2: proves that the core and its C++ tests compile and link against a CUDA libtorch
# (the torch 2.14.1 CUDA 13 wheel) with nvcc 13 on a machine without a GPU. Nothing runs.
#
#   scripts/build-cuda-check.sh [LIBTORCH_ROOT]
#
# LIBTORCH_ROOT: a folder holding include/, lib/, share/cmake/Torch (a wheel's torch/); default: the
# wheel below, unpacked once into $SER_CUDA_CACHE. The CUDA runtime libraries that libtorch_cuda.so
# needs (cuBLAS, cuDNN, NCCL, ...) come from pip's nvidia-* wheels; when those wheels are at hand
# they are unpacked too and the link resolves every symbol, otherwise the link allows undefined
# symbols inside libtorch_cuda's own dependencies (said in the output). The build dir is outside
# the checkout, so build/ (Debian's libtorch) is untouched. The addon target needs cmake-js (Node
# headers) and holds no torch code; it is not built here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SER_CUDA_CACHE:-/tmp/ser-torch-cuda}"
wheel="${SER_TORCH_CUDA_WHEEL:-/opt/pypi-more/files/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl}"
wheels_dir="$(dirname "$wheel")"
build="${SER_CUDA_BUILD_DIR:-$cache/build}"
started=$(date +%s)

nvcc="$(command -v nvcc || true)"
[ -n "$nvcc" ] || { [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc; }
[ -n "$nvcc" ] || { echo "build-cuda-check: nvcc not found (install the CUDA toolkit)" >&2; exit 1; }
# The toolkit's root (nvcc on PATH may be a wrapper script elsewhere): $CUDA_HOME, /usr/local/cuda, nvcc's.
cudadir="${CUDA_HOME:-}"
[ -z "$cudadir" ] && [ -x /usr/local/cuda/bin/nvcc ] && cudadir=/usr/local/cuda
[ -z "$cudadir" ] && cudadir="$(dirname "$(dirname "$(readlink -f "$nvcc")")")"
nvcc="$cudadir/bin/nvcc"

if [ $# -ge 1 ]; then
  prefix="$(cd "$1" && pwd)"
else
  prefix="$cache/libtorch/torch"
  if [ ! -f "$prefix/share/cmake/Torch/TorchConfig.cmake" ]; then
    [ -f "$wheel" ] || { echo "build-cuda-check: no CUDA torch wheel at $wheel (set SER_TORCH_CUDA_WHEEL or pass a libtorch)" >&2; exit 1; }
    echo "build-cuda-check: unpacking $wheel"
    mkdir -p "$cache/libtorch"
    unzip -qo "$wheel" 'torch/include/*' 'torch/lib/*' 'torch/share/*' 'torch/version.py' -d "$cache/libtorch"
  fi
fi
[ -f "$prefix/lib/libtorch_cuda.so" ] || { echo "build-cuda-check: $prefix has no lib/libtorch_cuda.so: not a CUDA libtorch" >&2; exit 1; }

# pip's nvidia-* runtime libraries, for the linker only (-rpath-link), and their headers.
header_flags=""
link_flags="-Wl,--allow-shlib-undefined"
link_note="libtorch_cuda's CUDA dependencies NOT resolved (no nvidia-* wheels in $wheels_dir): linked with --allow-shlib-undefined"
if ls "$wheels_dir"/nvidia_*.whl >/dev/null 2>&1; then
  if [ ! -f "$cache/nvidia/.unpacked-with-headers" ]; then
    echo "build-cuda-check: unpacking the nvidia-* wheels' libraries and headers"
    mkdir -p "$cache/nvidia"
    for w in "$wheels_dir"/nvidia_*.whl; do
      unzip -qo "$w" 'nvidia/*/lib/*' 'nvidia/*/include/*' -d "$cache/nvidia" 2>/dev/null || true
    done
    touch "$cache/nvidia/.unpacked-with-headers"
  fi
  # The headers a toolkit without the math libraries lacks (cusparse.h, nccl.h: ProcessGroupNCCL
  # includes them), after the toolkit's own.
  for d in $(find "$cache/nvidia" -mindepth 3 -maxdepth 3 -type d -name include | sort); do
    header_flags="$header_flags -idirafter $d"
  done
  dirs="$(find "$cache/nvidia" -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd: -)"
  link_flags="-Wl,-rpath-link,$prefix/lib:$dirs:$cudadir/lib64"
  link_note="every symbol resolved against the nvidia-* wheels' libraries (-rpath-link)"
fi

# libtorch's CMake links CUDA::nvrtc; a toolkit without it (the runtime-only one here) takes pip's.
nvrtc="$(ls "$cudadir"/lib64/libnvrtc.so 2>/dev/null || find "$cache/nvidia" -name 'libnvrtc.so*' 2>/dev/null | sort | head -1)"
[ -n "$nvrtc" ] || { echo "build-cuda-check: no libnvrtc.so in $cudadir/lib64 nor in the nvidia-* wheels" >&2; exit 1; }

# A build dir made from another checkout cannot be reconfigured from this one.
if [ -f "$build/CMakeCache.txt" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
echo "build-cuda-check: libtorch $prefix, nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'), build dir $build"
# Nothing runs, so no optimisation: -O0 compiles the same code (and headers) in about half the time.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O0 -DNDEBUG$header_flags" -DSER_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DTorch_DIR="$prefix/share/cmake/Torch" \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DCUDA_TOOLKIT_ROOT_DIR="$cudadir" -DCUDAToolkit_ROOT="$cudadir" -DCUDA_nvrtc_LIBRARY="$nvrtc" -DCMAKE_EXE_LINKER_FLAGS="$link_flags" > "$build.configure.log" 2>&1 ||
  { tail -40 "$build.configure.log"; echo "build-cuda-check: FAILED at configure" >&2; exit 1; }
grep -E "Found Torch|CUDA" "$build.configure.log" | head -5 || true
# Every torch library CMake found must be this libtorch's (Debian's libtorch-dev mixes in otherwise).
if grep -E '^(TORCH_LIBRARY|c10_LIBRARY|C10_CUDA_LIBRARY):' "$build/CMakeCache.txt" | grep -v "=$prefix/lib/"; then
  echo "build-cuda-check: FAILED: a torch library from outside $prefix was selected (above)" >&2
  exit 1
fi
nice -n 10 cmake --build "$build" --target ser_core_tests
readelf -d "$build/ser_core_tests" | grep -q 'libtorch_cuda.so' ||
  { echo "build-cuda-check: FAILED: ser_core_tests does not link libtorch_cuda.so" >&2; exit 1; }
echo "build-cuda-check: OK: ser_core + ser_core_tests compiled and linked against $(cat "$prefix/version.py" 2>/dev/null | sed -n "s/^__version__ = '\(.*\)'/\1/p" || true) ($prefix), $link_note; $(( $(date +%s) - started )) s"
