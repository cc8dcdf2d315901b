'use strict';
// The parent's side of a fuzz child: starts fuzz/child.js under an address-space limit
// (`ulimit -v`, 4 GB unless told), sends it cases, and turns a death into 'crash' and a
// missed deadline into 'hang' (the child is then killed; the caller starts a new one).
const { spawn } = require('child_process');
const path = require('path');

const CHILD = path.join(__dirname, '..', 'child.js');
const DEFAULT_LIMIT_KB = 4 * 1024 * 1024;

class FuzzChild {
  constructor({ limitKb = DEFAULT_LIMIT_KB, env = {} } = {}) {
    this.limitKb = limitKb;
    this.env = env;
    this.proc = null;
    this.stderr = '';
    this.pending = null; // { id, resolve, timer }
    this.exit = null;
    this.killed = false;
  }

  /** Resolves once the child has loaded ser-torch and its good model. */
  start(timeoutMs = 120_000) {
    const script = `ulimit -v ${this.limitKb} && exec "${process.execPath}" "${CHILD}"`;
    this.proc = spawn('bash', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...this.env } });
    this.proc.stdin.on('error', () => {}); // a dead child's stdin: seen as its exit
    this.proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-8192);
    });
    let buffer = '';
    this.proc.stdout.on('data', (d) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('@@fuzz ')) this.#answer(JSON.parse(line.slice(7)));
      }
    });
    this.proc.on('exit', (code, signal) => {
      this.exit = { code, signal };
      const p = this.pending;
      this.pending = null;
      if (p) {
        clearTimeout(p.timer);
        p.resolve(signal ? { class: 'crash', detail: `killed by ${signal}` } : { class: 'crash', detail: `exited with status ${code}` });
      }
    });
    return this.#wait('ready', timeoutMs).then((r) => {
      if (!r.ready) throw new Error(`fuzz child did not start: ${r.detail || r.fatal || ''}\n${this.stderr}`);
    });
  }

  #answer(msg) {
    const p = this.pending;
    if (!p) return;
    if ((p.id === 'ready' && (msg.ready || msg.fatal)) || msg.id === p.id) {
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(msg.fatal ? { class: 'crash', detail: msg.fatal } : msg);
    }
  }

  #wait(id, timeoutMs) {
    return new Promise((resolve) => {
      if (this.exit) return resolve({ class: 'crash', detail: `exited with status ${this.exit.code}` });
      const timer = setTimeout(() => {
        this.pending = null;
        this.kill();
        resolve({ class: 'hang', detail: `no answer in ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending = { id, resolve, timer };
    });
  }

  /** Runs one case: { id, target, input } -> { class, code?, detail? }. */
  run(c, timeoutMs) {
    const answer = this.#wait(c.id, timeoutMs);
    if (!this.exit) this.proc.stdin.write(`${JSON.stringify(c)}\n`);
    return answer;
  }

  /** False once the child exited or was killed (its exit event may come later). */
  get alive() {
    return this.proc !== null && this.exit === null && !this.killed;
  }

  kill() {
    if (!this.alive) return;
    this.killed = true;
    try {
      process.kill(-this.proc.pid, 'SIGKILL'); // the whole group: bash's exec'd node and anything it started
    } catch {
      /* already gone */
    }
  }

  /** Closes stdin and waits for a clean exit (a hang here is a finding too: exit must not block). */
  close(timeoutMs = 20_000) {
    if (!this.alive) return Promise.resolve(this.exit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({ code: null, signal: 'SIGKILL', hung: true });
      }, timeoutMs);
      this.proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
      this.proc.stdin.end();
    });
  }
}

module.exports = { FuzzChild, DEFAULT_LIMIT_KB };
