// ESLint flat config (`npm run lint`): lib/ and test/ are TypeScript, checked with
// typescript-eslint's type-aware recommended rules (about 10 s here); bench/, scripts/ and this file
// are CommonJS JavaScript for Node, checked with ESLint's recommended rules.
'use strict';
const { defineConfig } = require('eslint/config');
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');

module.exports = defineConfig(
  {
    // Build outputs, dependencies, prebuilt binaries, committed test data and benchmark caches.
    ignores: ['dist/', 'build/', 'node_modules/', 'prebuilds/', 'test/fixtures/', 'bench/.cache/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022, globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // tsconfig.test.json covers lib/ and test/ (tsconfig.json only lib/).
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: __dirname },
      globals: { ...globals.node },
    },
    rules: {
      // Not disabled, adjusted: `const { a: _a, ...rest } = o` is how a key is dropped from an
      // object, and a leading `_name` parameter is kept for its position (test.each rows).
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
);
