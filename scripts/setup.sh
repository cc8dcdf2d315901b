#!/usr/bin/env bash
# Installs everything ser-torch needs on Debian 12 (as root, or with sudo), builds it, and runs
# the main job on its embedded default. --no-demo stops after the build (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# libtorch from Debian (libgloo-dev: the headers c10d's ProcessGroupGloo needs), OpenBLAS (not the reference BLAS: ~40x on GEMMs), audio libraries,
# build tools; python3-torch/torchaudio/scipy only generate and check reference fixtures; clang-format
# checks the C++ layout (scripts/check-format.js); chromium: the report's browser test
# (test/report-browser.test.ts drives it with playwright-core).
PACKAGES=(libtorch-dev libgloo-dev libopenblas0-pthread libsndfile1-dev libsoxr-dev nlohmann-json3-dev
          cmake g++ make ninja-build pkg-config python3-torch python3-torchaudio python3-numpy python3-soundfile python3-scipy
          clang-format chromium unzip)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci trips over jest 30's optional packages on npm 11; install is the reliable path.
# onnxruntime-node (a benchmark peer) would download its CUDA add-on from nuget.org on linux/x64;
# the CPU runtime the benchmarks use ships inside the package.
export ONNXRUNTIME_NODE_INSTALL=skip
npm install --no-audit --no-fund
npm run build:ts

if [ "${1:-}" != "--no-demo" ]; then
  node dist/lib/cli/main.js info
  node dist/lib/cli/main.js demo
fi
