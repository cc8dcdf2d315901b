// Error classes with stable `code`s. Native errors carry a `code`; `fromNative` maps them here.

/** Every code a ser-torch error can carry (the native side produces all but ERR_ADDON). */
export type SerErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_CHECKPOINT'
  | 'ERR_AUDIO'
  | 'ERR_INPUT'
  | 'ERR_DEVICE'
  | 'ERR_LIBTORCH'
  | 'ERR_NO_HEAD'
  | 'ERR_DISPOSED'
  | 'ERR_IO'
  | 'ERR_ABORTED'
  | 'ERR_DIVERGED'
  | 'ERR_BUSY'
  | 'ERR_ADDON';

type ErrorOptions = { cause?: unknown };

/** The base class: `code` is one of SerErrorCode, narrowed to a literal by each subclass. */
export abstract class SerError extends Error {
  abstract readonly code: SerErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** config.json / preprocessor_config.json is missing, malformed or inconsistent. */
export class ConfigError extends SerError {
  readonly code = 'ERR_CONFIG';
}
/** Weights are missing, truncated, hostile, or do not match the model. */
export class CheckpointError extends SerError {
  readonly code = 'ERR_CHECKPOINT';
}
/** An audio file cannot be read or decoded. */
export class AudioError extends SerError {
  readonly code = 'ERR_AUDIO';
}
/** A call got arguments or samples it cannot use (empty, NaN, too short, wrong type). */
export class InputError extends SerError {
  readonly code = 'ERR_INPUT';
}
/** The requested device does not exist in this libtorch or on this machine. */
export class DeviceError extends SerError {
  readonly code = 'ERR_DEVICE';
}
/** libtorch itself failed (out of memory, an internal error). */
export class LibtorchError extends SerError {
  readonly code = 'ERR_LIBTORCH';
}
/** predict() on a backbone without an emotion head. */
export class NoHeadError extends SerError {
  readonly code = 'ERR_NO_HEAD';
}
/** The model was disposed. */
export class DisposedError extends SerError {
  readonly code = 'ERR_DISPOSED';
}
/** A file or folder could not be written or read (checkpoints, saved models, the demo corpus). */
export class IoError extends SerError {
  readonly code = 'ERR_IO';
}
/**
 * An operation was cancelled before it started: train() with an AbortSignal that is already
 * aborted. (An abort during training is not an error: the run resolves with `aborted: true`.)
 */
export class AbortError extends SerError {
  readonly code = 'ERR_ABORTED';
}
/** Training stopped because the loss, a gradient or the weights became NaN or infinite. */
export class DivergedError extends SerError {
  readonly code = 'ERR_DIVERGED';
}
/** train(): outDir is in use by another run (in this process or another one). */
export class BusyError extends SerError {
  readonly code = 'ERR_BUSY';
}
/** The native addon could not be loaded (not built, or libtorch missing at run time). */
export class AddonError extends SerError {
  readonly code = 'ERR_ADDON';
}

type SerErrorClass = new (message: string, options?: ErrorOptions) => SerError;

// Exhaustive: a code added to SerErrorCode without a class is a compile error here.
const byCode: Record<SerErrorCode, SerErrorClass> = {
  ERR_CONFIG: ConfigError,
  ERR_CHECKPOINT: CheckpointError,
  ERR_AUDIO: AudioError,
  ERR_INPUT: InputError,
  ERR_DEVICE: DeviceError,
  ERR_LIBTORCH: LibtorchError,
  ERR_NO_HEAD: NoHeadError,
  ERR_DISPOSED: DisposedError,
  ERR_IO: IoError,
  ERR_ABORTED: AbortError,
  ERR_DIVERGED: DivergedError,
  ERR_BUSY: BusyError,
  ERR_ADDON: AddonError,
};

function isCode(code: unknown): code is SerErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(byCode, code);
}

/** Turns an error thrown by the addon into the matching exported class. */
export function fromNative(error: unknown): unknown {
  if (error instanceof SerError) return error;
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e && isCode(e.code)) return new byCode[e.code](String(e.message), { cause: error });
  return error;
}

/** Awaits a native promise (or call) and rethrows its errors as typed ones. */
export async function native<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fromNative(error);
  }
}
