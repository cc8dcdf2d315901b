/** Tests are TypeScript, run from source through ts-jest. */
// The package sets OMP_WAIT_POLICY=PASSIVE through process.env before the addon loads
// (lib/native.ts). A test file's process.env is jest's copy, which libgomp never reads: its OpenMP
// workers spun against OpenBLAS's and training ran ~2x slower under jest than in an application.
// Set here, in the real environment, it holds for the tests as it does for users.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
process.env.OPENBLAS_THREAD_TIMEOUT ??= '4'; // likewise (OpenBLAS reads it when it loads)
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 120000,
};
