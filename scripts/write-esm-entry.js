'use strict';
// Writes dist/lib/index.mjs: an ES module face over the CommonJS build, so `import` and
// `require` share one addon instance; and dist/lib/index.d.mts, its types. The .d.mts makes
// TypeScript (node16/nodenext) read the `import` entry as ESM: with the .d.ts alone it is
// "masquerading as CJS" (attw) and `types` under `import` is read as CommonJS (publint).
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist', 'lib');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== '__esModule');
const body = `import cjs from './index.js';\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`;
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
// Named exports (values and types) are those of the CommonJS declarations; the default export is
// the CommonJS module object, as in index.mjs.
const types = "import * as cjs from './index.js';\nexport * from './index.js';\nexport default cjs;\n";
fs.writeFileSync(path.join(dist, 'index.d.mts'), types);
