// `node -r ./test/helpers/ts-register.js` runs lib/*.ts from source in a child process (as jest's
// ts-jest does in the test process), so CLI and process-level tests exercise the same code.
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
