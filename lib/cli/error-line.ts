// How the CLI reports a failure: one line, the program's name once, the message, the stable code.
import { SerError } from '../errors';

const PREFIX = 'ser-torch: ';

export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // A message that already names the program (e.g. from a dependency) is not prefixed twice.
  const text = message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message;
  return `${PREFIX}${text}${error instanceof SerError ? ` (${error.code})` : ''}`;
}
