'use strict';
// `npm run release:check`: what a release needs, checked the way a user meets it. Packages this
// platform's prebuild from the addon already built (no second full build), packs the tarball and
// checks its file list, runs publint and attw on it, installs it into a fresh ESM (strict
// TypeScript, NodeNext) app and a fresh CommonJS app, each with --ignore-scripts and with the
// install script (which must take the prebuild, not build), and runs a smoke predict and the CLI
// from each. Prints one PASS/FAIL summary; exits non-zero on any failure. --keep keeps the temp dir.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { check, summary, say } = require('./release/report');
const { tarballProblems } = require('./release/tarball');
const { writeApp } = require('./release/apps');

const root = path.join(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const prebuildName = `prebuilds/${os.platform()}-${os.arch()}/${pkg.name}.glibc.node`;
const fixture = path.join(root, 'test', 'fixtures', 'models', 'w2v2_preln_layer_head');
const wav = path.join(root, 'test', 'fixtures', 'audio', 'sine_16k_pcm16.wav');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// The child npm must see a fresh shell, not this `npm run`'s package and lifecycle variables.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^npm_(?!config_(cache|registry|userconfig)$)/i.test(k) && k !== 'SER_TORCH_BUILD_FROM_SOURCE' && k !== 'INIT_CWD'));

/** Runs a command; throws with its output's tail when it fails. Returns stdout + stderr. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: cleanEnv, maxBuffer: 64 << 20, ...opts });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status ?? r.signal}\n${out.split('\n').slice(-25).join('\n')}`);
  }
  return out;
}

function smokeFile(dir) {
  const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'expected.json'), 'utf8'));
  const file = path.join(dir, 'smoke.json');
  fs.writeFileSync(file, JSON.stringify({
    modelDir: fixture, wav, samples: expected.inputs[1], logits: expected.outputs[1].logits,
  }));
  return file;
}

// `--version` when the CLI has it, else `info` (both load the addon).
function cliCheck(appDir) {
  const cli = path.join(appDir, 'node_modules', '.bin', 'ser-torch');
  const help = run(cli, ['--help'], { cwd: appDir });
  if (/--version|-V\b/.test(help)) {
    const out = run(cli, ['--version'], { cwd: appDir }).trim();
    if (!out.includes(pkg.version)) throw new Error(`ser-torch --version printed "${out}", not ${pkg.version}`);
  } else {
    const out = run(cli, ['info'], { cwd: appDir });
    if (!/torch/i.test(out)) throw new Error(`ser-torch info printed no torch version:\n${out}`);
  }
}

async function installAndSmoke(tmp, tarball, smoke, kind, withScripts) {
  const name = `${kind} app, npm install ${withScripts ? 'with install script' : '--ignore-scripts'}`;
  const dir = path.join(tmp, `${kind}-${withScripts ? 'scripts' : 'noscripts'}`);
  writeApp(dir, kind, path.join(root, 'node_modules', '@types'));
  const ok = await check(`${name}: installs`, () => {
    const out = run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts',
      ...(withScripts ? [] : ['--ignore-scripts'])], { cwd: dir });
    if (withScripts && !out.includes('ser-torch: using the prebuilt addon')) {
      throw new Error(`the install script did not take the prebuild:\n${out.split('\n').slice(-20).join('\n')}`);
    }
    if (fs.existsSync(path.join(dir, 'node_modules', pkg.name, 'build'))) throw new Error('the install left a build/ folder');
    // node-gyp-build, as the package calls it, must pick the prebuild.
    const picked = run(process.execPath, ['-e', `process.stdout.write(require('node-gyp-build').path(require('path').dirname(require.resolve('${pkg.name}/package.json'))))`], { cwd: dir });
    if (!picked.endsWith(prebuildName)) throw new Error(`node-gyp-build picked ${picked}, not ${prebuildName}`);
    return true;
  });
  if (!ok) return;
  if (kind === 'esm') {
    const compiled = await check(`${name}: strict NodeNext TypeScript compiles`, () => run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { cwd: dir }));
    if (compiled === null) return;
  }
  await check(`${name}: smoke predict`, () => {
    const out = run(process.execPath, [kind === 'esm' ? 'out/main.js' : 'main.js', smoke], { cwd: dir });
    if (!/"ok":true/.test(out)) throw new Error(out);
  });
  await check(`${name}: ser-torch CLI`, () => cliCheck(dir));
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-torch-release-'));
  say(`working in ${tmp}`);
  let tarball = null;
  try {
    await check('prebuild for this platform (from build/Release, stripped)', () => {
      run(process.execPath, [path.join(__dirname, 'prebuild.js')], { cwd: root, env: process.env });
      if (!fs.existsSync(path.join(root, prebuildName))) throw new Error(`${prebuildName} was not made`);
    });
    tarball = await check('npm pack (prepack builds dist/)', () => {
      // cleanEnv: under `npm publish --dry-run` (prepublishOnly) npm_config_dry_run would make this pack write nothing.
      const r = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, env: cleanEnv, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`npm pack exited ${r.status}\n${r.stderr}`);
      // The JSON report follows whatever the prepack script printed.
      const info = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m)))[0];
      const problems = tarballProblems(info.files.map((f) => f.path), prebuildName);
      if (problems.length) throw new Error(problems.join('; '));
      say(`${info.filename}: ${info.files.length} files, ${(info.size / 1e6).toFixed(1)} MB packed, ${(info.unpackedSize / 1e6).toFixed(1)} MB unpacked`);
      const file = path.join(tmp, info.filename);
      if (!fs.existsSync(file)) throw new Error(`npm pack wrote no ${file}`);
      return file;
    });
    if (tarball) {
      await check('publint --strict', () => {
        const out = run(bin('publint'), ['run', tarball, '--strict'], { cwd: tmp });
        if (!/All good/i.test(out)) throw new Error(out);
      });
      // attw's default (strictest) profile: node10, node16 CJS/ESM and bundler all resolve, no rule ignored.
      await check('attw (every resolution mode)', () => run(bin('attw'), [tarball], { cwd: tmp }));
      const smoke = smokeFile(tmp);
      for (const kind of ['esm', 'cjs']) {
        for (const withScripts of [false, true]) await installAndSmoke(tmp, tarball, smoke, kind, withScripts);
      }
    }
  } finally {
    if (process.argv.includes('--keep')) say(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(summary() ? 0 : 1);
}

main();
