import * as fs from 'fs';
import * as path from 'path';

import { packageRoot } from './native';

/** ser-torch's own version, from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}
