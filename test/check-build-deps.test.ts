// The source build's dependency check names the Debian package for each missing piece
// (issue 9: a missing nlohmann-json3-dev surfaced as a raw CMake error).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script, not a module of lib/
const deps = require('../scripts/check-build-deps.js') as {
  missingBuildDeps: (sys: FakeSystem) => { apt: string; problem: string }[];
  describeMissing: (missing: { apt: string; problem: string }[]) => string;
};

interface FakeSystem {
  runs: (cmd: string, args: string[]) => boolean;
  output: (cmd: string, args: string[]) => string | null;
  exists: (file: string) => boolean;
  libtorch: () => boolean;
}

/** A machine with everything, minus what `without` names (commands or pkg-config modules). */
function machine(without: string[], opts: { cmakeVersion?: string; libtorch?: boolean } = {}): FakeSystem {
  return {
    runs: (cmd, args) => {
      if (without.includes(cmd)) return false;
      if (cmd === 'pkg-config' && args[0] === '--exists') return !without.includes(args[1]);
      return true;
    },
    output: (cmd) => (without.includes(cmd) ? null : `cmake version ${opts.cmakeVersion ?? '3.25.1'}\n`),
    exists: () => true,
    libtorch: () => opts.libtorch ?? true,
  };
}

test('a complete machine misses nothing', () => {
  expect(deps.missingBuildDeps(machine([]))).toEqual([]);
});

test('each missing piece is named by its apt package, in one install line', () => {
  const missing = deps.missingBuildDeps(machine(['nlohmann_json', 'soxr', 'cmake'], { libtorch: false }));
  expect(missing.map((m) => m.apt)).toEqual(['cmake', 'libsoxr-dev', 'nlohmann-json3-dev', 'libtorch-dev']);
  const text = deps.describeMissing(missing);
  expect(text).toContain('sudo apt-get install -y --no-install-recommends cmake libsoxr-dev nlohmann-json3-dev libtorch-dev');
  expect(text).toContain('SER_TORCH_SKIP_BUILD_CHECKS=1');
});

test('an old cmake, and neither make nor ninja, are reported', () => {
  const missing = deps.missingBuildDeps(machine(['make', 'ninja'], { cmakeVersion: '3.16.3' }));
  expect(missing).toEqual([
    { apt: 'cmake', problem: 'cmake 3.16 is older than 3.18' },
    { apt: 'make', problem: 'neither make nor ninja found' },
  ]);
});

test('without pkg-config the libraries are looked for by header', () => {
  const sys = { ...machine(['pkg-config']), exists: (f: string) => !f.endsWith('sndfile.h') };
  expect(deps.missingBuildDeps(sys).map((m) => m.apt)).toEqual(['pkg-config', 'libsndfile1-dev']);
});
