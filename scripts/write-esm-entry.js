'use strict';
// Writes dist/lib/index.mjs: an ES module face over the CommonJS build, so `import` and
// `require` share one addon instance.
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist', 'lib');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== '__esModule');
const body = `import cjs from './index.js';\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`;
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
