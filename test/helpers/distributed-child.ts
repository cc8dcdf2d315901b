// One rank of a data-parallel test run: `node -r ./test/helpers/ts-register.js
// test/helpers/distributed-child.ts '<train options as JSON>'`. Without `distributed` in the
// JSON it reads torchrun's variables (distributed: 'env'). Prints each event and then the result
// (or {type: 'error', code, message}) as JSON lines on stdout; exits 1 on an error.
import { train, type TrainOptions } from '../../lib';

async function main() {
  const options = JSON.parse(process.argv[2] ?? '{}') as TrainOptions;
  try {
    const result = await train({
      distributed: 'env',
      ...options,
      onEvent: (e) => console.log(JSON.stringify(e)),
    });
    console.log(JSON.stringify({ type: 'result', ...result }));
  } catch (e) {
    const err = e as { code?: string; message?: string };
    console.log(JSON.stringify({ type: 'error', code: err.code, message: err.message }));
    process.exitCode = 1;
  }
}

void main();
