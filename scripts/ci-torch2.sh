#!/usr/bin/env bash
# CI leg for libtorch 2.x (issue 14): builds ser-torch against the torch 2.13 CPU wheel's libtorch
# and runs the C++ tests and the jest suites that exercise the native code, when that wheel is on
# the machine; says so and exits 0 when it is not. The main build (build/, Debian's libtorch 1.13)
# is left alone: the checkout's files (tracked and untracked, not ignored) are mirrored into
# $SER_TORCH2_WORK/src, which has its own build/ (kept, so a second run is incremental).
#
#   scripts/ci-torch2.sh       # SER_TORCH2_WHEEL, SER_TORCH2_WORK, SER_TORCH2_SUITES, SER_TORCH2_OPT override
#
# Prints a closing line "N passed, N failed" (C++ tests + jest) like scripts/run-tests.js.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wheel="${SER_TORCH2_WHEEL:-/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl}"
work="${SER_TORCH2_WORK:-/tmp/ser-torch2-ci}"
# CI's selection (~2.5 minutes here; CI's 30 minutes hold two builds): parity, the API, precision,
# training (without the two demo runs, the same code at length), kill/resume, data-parallel,
# errors, threads and forks. SER_TORCH2_SUITES=all runs every suite and every test (~20 minutes).
suites="${SER_TORCH2_SUITES:-test/parity.test.ts test/api.test.ts test/precision.test.ts test/errors.test.ts test/train.test.ts test/kill-resume.test.ts test/worker-thread.test.ts test/spawn-while-computing.test.ts test/find-libtorch.test.ts test/distributed.test.ts}"
skip=(--testNamePattern '^(?!.*the demo \(quick version\))')
[ "$suites" = all ] && suites="" skip=()
started=$(date +%s)

if [ ! -f "$wheel" ]; then
  echo "ci-torch2: no libtorch 2.x wheel at $wheel: the libtorch 2.x leg is skipped (set SER_TORCH2_WHEEL to run it)"
  exit 0
fi
libtorch="$work/libtorch"
stamp="$libtorch/.wheel"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wheel" ]; then
  rm -rf "$libtorch" && mkdir -p "$libtorch"
  unzip -q "$wheel" 'torch/include/*' 'torch/lib/*' 'torch/share/*' 'torch/version.py' -d "$libtorch" || { echo "ci-torch2: cannot unpack $wheel" >&2; exit 1; }
  echo "$wheel" > "$stamp"
fi
version="$(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$libtorch/torch/version.py")"
echo "ci-torch2: building against libtorch $version ($wheel)"

# Mirror the checkout: replace the files whose content changed (stamped now, so ninja rebuilds what
# they touch, whatever mtime the checkout gave them), keep the rest untouched, drop what went. The
# mirror outlives checkouts (CI's clone, a working tree): content, not mtimes, says what changed.
src="$work/src"
stage="$work/stage"
rm -rf "$stage" && mkdir -p "$src" "$stage"
list="$work/files.txt"
(cd "$root" && git ls-files -co --exclude-standard | grep -v '^node_modules$' | sort) > "$list"
(cd "$root" && tar -cf - -T "$list") | tar -xmf - -C "$stage"
while IFS= read -r f; do
  cmp -s "$stage/$f" "$src/$f" || { mkdir -p "$src/$(dirname "$f")" && mv -f "$stage/$f" "$src/$f"; }
done < "$list"
rm -rf "$stage"
(cd "$src" && find . -path ./build -prune -o -path ./node_modules -prune -o -type f -print | sed 's|^\./||' | sort) |
  comm -23 - "$list" | (cd "$src" && xargs -r rm -f)
ln -sfn "$root/node_modules" "$src/node_modules"

cd "$src" || exit 1
mapfile -t defines < <(LIBTORCH="$libtorch/torch" Torch_DIR='' node scripts/find-libtorch.js --cmake)
# -O1: this leg checks compatibility, and the time goes into compiling (2 cores: ~2x faster than -O3);
# the heavy arithmetic runs inside libtorch, which is optimised either way.
opt="${SER_TORCH2_OPT:--O1}"
cmake_js=(node node_modules/cmake-js/bin/cmake-js build --out build --CDCMAKE_BUILD_TYPE=Release
  "--CDCMAKE_CXX_FLAGS_RELEASE=$opt -DNDEBUG" --CDSER_BUILD_TESTS=ON)
for d in "${defines[@]}"; do cmake_js+=("--CD${d#-D}"); done
command -v ninja >/dev/null && cmake_js+=(--generator Ninja)
if ! "${cmake_js[@]}" > "$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  echo "ci-torch2: the build against libtorch $version FAILED (log: $work/build.log)"
  echo "0 passed, 1 failed"
  exit 1
fi
# The build must link this libtorch only (Debian's libtorch-dev mixes in otherwise).
if ldd build/ser_core_tests | grep -E 'lib(torch|c10)[^ ]*\.so' | grep -v "$libtorch/torch/lib/"; then
  echo "ci-torch2: FAILED: ser_core_tests loads a libtorch from outside $libtorch (above)"
  echo "0 passed, 1 failed"
  exit 1
fi
# The ESM entry and the CLI's compiled form (dist/ is not mirrored: it is ignored).
if ! npm run --silent build:ts > "$work/build-ts.log" 2>&1; then
  tail -20 "$work/build-ts.log"
  echo "ci-torch2: FAILED: npm run build:ts"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "ci-torch2: built in $(( $(date +%s) - started )) s"

# The tests' temporary files go into one folder of this run, removed when it passes (as in
# scripts/run-tests.js).
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/ser-torch2-tests-XXXXXX")"
export TMPDIR="$run_tmp"

passed=0 failed=0
SER_TORCH_EXPECT_LIBTORCH="$libtorch/torch" build/ser_core_tests test/fixtures > "$work/core-tests.txt" 2>&1
core_rc=$?
grep -E '^(FAIL|     )' "$work/core-tests.txt"
line="$(tail -1 "$work/core-tests.txt")"
echo "ci-torch2: C++ tests: $line"
if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
fi
[ $core_rc -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

# shellcheck disable=SC2086
SER_TORCH_EXPECT_LIBTORCH="$libtorch/torch" node node_modules/jest/bin/jest.js $suites "${skip[@]}" \
  --json --outputFile="$work/jest.json" > "$work/jest.log" 2>&1
jest_rc=$?
grep -E '^(PASS|FAIL) ' "$work/jest.log"
read -r jp jf < <(node -e "const r=require('$work/jest.json');console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites)" 2>/dev/null || echo "0 1")
echo "ci-torch2: jest: $jp passed, $jf failed"
passed=$((passed + jp)) failed=$((failed + jf))
[ $jest_rc -ne 0 ] && [ "$jf" -eq 0 ] && failed=$((failed + 1))
echo "ci-torch2: libtorch $version done in $(( $(date +%s) - started )) s"
ok=0
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || ok=1
if [ $ok -eq 0 ] && [ -z "${SER_KEEP_TEST_TMP:-}" ]; then rm -rf "$run_tmp"; else echo "ci-torch2: the tests' temporary files are in $run_tmp"; fi
echo "$passed passed, $failed failed"
exit $ok
