// The output file of a corpus run: records are appended as windows finish, each append written
// and flushed (fdatasync) before the next, so a kill loses at most the window in flight.
import * as fs from 'fs';
import * as fsp from 'fs/promises';

import { IoError } from '../errors';

export class OutputFile {
  #handle: fsp.FileHandle;
  readonly path: string;

  private constructor(file: string, handle: fsp.FileHandle) {
    this.path = file;
    this.#handle = handle;
  }

  /**
   * Opens `file` for appending: with keepBytes, an existing file cut to that length (a torn last
   * line dropped); without, a new file (an existing empty one is reused). `header` is written
   * first when given.
   */
  static async open(call: string, file: string, opts: { keepBytes?: number; header?: string }): Promise<OutputFile> {
    let handle: fsp.FileHandle;
    try {
      if (opts.keepBytes !== undefined) {
        handle = await fsp.open(file, 'r+');
        await handle.truncate(opts.keepBytes);
        await handle.close();
        handle = await fsp.open(file, 'a');
      } else {
        handle = await fsp.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND);
      }
    } catch (cause) {
      throw new IoError(`${call}: cannot open ${file} for writing: ${(cause as Error).message}`, { cause });
    }
    const output = new OutputFile(file, handle);
    if (opts.header) await output.append(call, opts.header);
    return output;
  }

  /** Writes `text` at the end of the file and waits until it is on disk. */
  async append(call: string, text: string): Promise<void> {
    if (text === '') return;
    try {
      // One write call for the whole window: a kill between two windows tears nothing.
      await this.#handle.write(text);
      await this.#handle.datasync();
    } catch (cause) {
      throw new IoError(`${call}: cannot write to ${this.path}: ${(cause as Error).message}`, { cause });
    }
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
