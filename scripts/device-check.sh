#!/usr/bin/env bash
# Issue 14, item 3: ser-torch on a GPU machine (no Node, no network), in one run of a few minutes:
#   1. builds the core, its C++ tests and ser_throughput against the machine's PyTorch (its libtorch,
#      found through torch.utils.cmake_prefix_path; LIBTORCH=<root> or Torch_DIR=<dir> overrides);
#   2. runs the C++ tests with SER_TEST_DEVICE=<device>: every fixture on the device against the CPU
#      (float32 within 1e-4, bf16 within README's 2.5 % / 6 %), fine-tuning steps in float32 and
#      bf16 against the CPU, a training run killed with SIGKILL and resumed to the same weights
#      (binding/tests/test_device_parity.cpp), and everything else the suite holds;
#   3. the throughput table: wav2vec2-base and large-12, fine-tuning steps and inference, batch 8 x 8 s,
#      ser-torch bf16 against PyTorch eager bf16 autocast (transformers' Wav2Vec2Model; attention
#      "eager" with torch.backends.cuda.matmul's defaults, and "sdpa") on the same device.
#
#   scripts/device-check.sh [--device cuda|cpu] [--out DIR] [--prebuilt BUILD_DIR]
#
# --device cpu is the dry run for machines without a GPU: the same steps, with a tiny model, batch
# 2 x 1 s and float32 in the table (torch 1.13's CPU autocast fails on wav2vec2). --prebuilt reuses a
# repository build tree's libser_core.a and ser_core_tests (built against the same libtorch) and
# compiles only ser_throughput. PYTHON picks the interpreter (default python3). Every result goes
# under --out (default /tmp/ser-device-check-<date>); the files are listed at the end. Exit status:
# 0 when the build and every test passed (the table's numbers are reported, not judged).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
device=cuda
out="/tmp/ser-device-check-$(date -u +%Y%m%dT%H%M%SZ)"
prebuilt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --prebuilt) prebuilt="$(cd "$2" && pwd)"; shift 2 ;;
    *) echo "device-check: unknown argument $1 (use --device cuda|cpu, --out DIR, --prebuilt BUILD_DIR)" >&2; exit 2 ;;
  esac
done
case "$device" in cpu | cuda | cuda:[0-9]*) ;; *) echo "device-check: --device must be cpu or cuda[:N]" >&2; exit 2 ;; esac
py="${PYTHON:-python3}"
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
status=0
started=$(date +%s)
say() { echo "device-check: $*" | tee -a "$summary"; }
elapsed() { echo "$(( $(date +%s) - started )) s"; }

# ---- 1. libtorch and build ----
if [ -n "${Torch_DIR:-}" ]; then
  # A system layout (Debian's libtorch-dev: <libdir>/cmake/Torch): no root to put first.
  prefix=""
  torch_dir="$Torch_DIR"
elif [ -n "${LIBTORCH:-}" ]; then
  prefix="$(cd "$LIBTORCH" && pwd)"
else
  prefix="$("$py" -c 'import os, torch.utils; print(os.path.dirname(os.path.dirname(torch.utils.cmake_prefix_path)))' 2>/dev/null)" ||
    { say "FAILED: $py cannot import torch (set PYTHON, or LIBTORCH to a libtorch root)"; exit 1; }
fi
[ -n "$prefix" ] && torch_dir="$prefix/share/cmake/Torch"
# Debian's python3-torch ships its CMake files apart, in libtorch-dev.
if [ ! -f "$torch_dir/TorchConfig.cmake" ] && [ "$prefix" = /usr/lib/python3/dist-packages/torch ]; then
  debian_dir="$(ls -d /usr/lib/*/cmake/Torch 2>/dev/null | head -1)"
  [ -n "$debian_dir" ] && prefix="" torch_dir="$debian_dir"
fi
[ -f "$torch_dir/TorchConfig.cmake" ] || { say "FAILED: no TorchConfig.cmake in $torch_dir"; exit 1; }
version="$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$prefix/version.py" 2>/dev/null)"
[ -n "$version" ] || version="$("$py" -c 'import torch; print(torch.__version__)' 2>/dev/null)"
say "libtorch ${prefix:-$torch_dir} ($version), device $device, results in $out"
if [ "${device%%:*}" = cuda ] && command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/device-check: GPU /' | tee -a "$summary"
fi
build="$out/build"
# A build tree configured from another checkout (an earlier run into the same --out) makes CMake
# refuse to configure: start that one afresh. One from this checkout is reused (a rerun is quicker).
if [ -f "$build/CMakeCache.txt" ] && ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$root/scripts/device-check" "$build/CMakeCache.txt"; then
  say "$build was configured from another checkout: building afresh"
  rm -rf "$build"
fi
cmake_args=(-S "$root/scripts/device-check" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir")
[ -n "$prefix" ] && cmake_args+=(-DCMAKE_PREFIX_PATH="$prefix")
nvcc="$(command -v nvcc || true)"
[ -n "$nvcc" ] && cmake_args+=(-DCMAKE_CUDA_COMPILER="$nvcc")
# A pip torch finds cuBLAS, cuDNN, ... in the nvidia-* packages next to it: let the linker see them.
nvlibs="$("$py" -c 'import glob, os, nvidia; print(":".join(sorted({os.path.dirname(p) for d in nvidia.__path__ for p in glob.glob(d + "/**/lib*.so*", recursive=True)})))' 2>/dev/null || true)"
[ -n "$nvlibs" ] && cmake_args+=(-DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$nvlibs")
[ -n "$prebuilt" ] && cmake_args+=(-DSER_PREBUILT_DIR="$prebuilt")
if ! cmake "${cmake_args[@]}" > "$out/configure.log" 2>&1 || ! cmake --build "$build" > "$out/build.log" 2>&1; then
  # Prefixed, so that a CI log that keeps only the script's own lines still shows why.
  tail -30 "$out/configure.log" "$out/build.log" 2>/dev/null | sed 's/^/device-check: | /'
  say "FAILED: build (logs: $out/configure.log, $out/build.log)"
  exit 1
fi
tests="${prebuilt:-$build/ser}/ser_core_tests"
say "built ($(elapsed)): $tests, $build/ser_throughput"

# ---- 2. C++ tests on the device ----
SER_TEST_DEVICE="$device" "$tests" "$root/test/fixtures" > "$out/core-tests.txt" 2>&1
rc=$?
grep -E '^(FAIL|     )' "$out/core-tests.txt" | head -20
say "C++ tests on $device: $(tail -1 "$out/core-tests.txt") ($(elapsed)); device tests: $(grep -c '^ok   device:' "$out/core-tests.txt") passed, $(grep -c '^FAIL device:' "$out/core-tests.txt") failed"
[ $rc -eq 0 ] || status=1

# ---- 3. throughput table ----
if [ "${device%%:*}" = cuda ]; then
  shapes="wav2vec2-base,large-12" batch=8 seconds=8 steps=10 warmup=3 precision=bf16
else
  shapes="tiny" batch=2 seconds=1 steps=2 warmup=1 precision=fp32
fi
data="$out/data"
clips=$(( batch * (steps + warmup) ))
if ! "$py" "$root/scripts/device-check/peer.py" make --out "$data" --shapes "$shapes" --batch "$batch" --seconds "$seconds" --clips "$clips" > "$out/make.log" 2>&1; then
  tail -5 "$out/make.log"; say "FAILED: making the benchmark models ($out/make.log)"; exit 1
fi
jsonl="$out/throughput.jsonl"
: > "$jsonl"
common=(--device "$device" --precision "$precision" --batch "$batch" --seconds "$seconds" --steps "$steps" --warmup "$warmup")
manifests="$data/clips-${seconds}s"
for shape in ${shapes//,/ }; do
  for mode in train infer; do
    "$build/ser_throughput" --mode "$mode" --model "$data/$shape" "${common[@]}" --train "$manifests/train.csv" \
      --dev "$manifests/dev.csv" --out "$out/train-$shape" >> "$jsonl" 2>> "$out/throughput.log"
    for attn in eager sdpa; do
      "$py" "$root/scripts/device-check/peer.py" bench --mode "$mode" --model "$data/$shape" --attn "$attn" "${common[@]}" \
        >> "$jsonl" 2>> "$out/throughput.log"
    done
    rm -rf "$out/train-$shape"
  done
done
"$py" - "$jsonl" "$out/throughput.md" "$device" "${prefix:-$torch_dir}" <<'PY'
import json, subprocess, sys, datetime
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
errors = [r for r in rows if "error" in r]
gpu = ""
if sys.argv[3].startswith("cuda"):
    try:
        gpu = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True).stdout.strip().splitlines()[0]
    except Exception:
        gpu = "?"
torch_v = next((r["torch"] for r in rows if r.get("torch")), "?")
variant = next((r["variant"] for r in rows if r.get("variant")), "?")
lines = [f"Throughput, {datetime.date.today().isoformat()}, device {sys.argv[3]}{' (' + gpu + ')' if gpu else ''}, "
         f"ser-torch on libtorch {sys.argv[4]}, PyTorch {torch_v} ({variant.split(',')[0]}); samples/s, higher is better.", "",
         "| model | mode | batch x s | precision | ser-torch | PyTorch eager | PyTorch SDPA | ser-torch / best PyTorch |",
         "| --- | --- | --- | --- | --- | --- | --- | --- |"]
def pick(side, model, mode, attn=None):
    for r in rows:
        if "error" in r or r["side"] != side or r["mode"] != mode or not r["model"].endswith("/" + model):
            continue
        if attn is None or r.get("attn") == attn:
            return r["samples_per_s"]
    return None
fmt = lambda v: f"{v:.2f}" if v is not None else "n/a"
models = sorted({r["model"].rsplit("/", 1)[1] for r in rows if "model" in r})
for m in models:
    for mode in ("train", "infer"):
        ours, eager, sdpa = pick("ser-torch", m, mode), pick("pytorch", m, mode, "eager"), pick("pytorch", m, mode, "sdpa")
        best = max([v for v in (eager, sdpa) if v is not None], default=None)
        ref = next(r for r in rows if "model" in r and r["model"].endswith("/" + m))
        lines.append(f"| {m} | {'fine-tuning step' if mode == 'train' else 'inference'} | {ref['batch']} x {ref['seconds']:g} | "
                     f"{ref['precision']} | {fmt(ours)} | {fmt(eager)} | {fmt(sdpa)} | {fmt(ours / best) if ours and best else 'n/a'} |")
for e in errors:
    lines.append(f"\n{e['side']} error: {e['error']}")
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
ours_ok=$(grep '"side":"ser-torch"' "$jsonl" | grep -c '"s_per_step"')
n_shapes=$(echo "$shapes" | tr ',' '\n' | wc -l)
if [ "$ours_ok" -ne $(( 2 * n_shapes )) ]; then
  say "FAILED: ser-torch throughput: $ours_ok of $(( 2 * n_shapes )) measurements (errors in $jsonl, $out/throughput.log)"
  status=1
fi
say "done in $(elapsed), status $status. Files:"
for f in "$summary" "$out/core-tests.txt" "$jsonl" "$out/throughput.md" "$out/throughput.log" "$out/build.log"; do echo "  $f"; done
exit $status
