// Error classes with stable `code`s. Native errors carry a `code`; `fromNative` maps them here.

export class SerError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_SER', options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** config.json / preprocessor_config.json is missing, malformed or inconsistent. */
export class ConfigError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_CONFIG', options); }
}
/** Weights are missing, truncated, hostile, or do not match the model. */
export class CheckpointError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_CHECKPOINT', options); }
}
/** An audio file cannot be read or decoded. */
export class AudioError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_AUDIO', options); }
}
/** A call got arguments or samples it cannot use (empty, NaN, too short, wrong type). */
export class InputError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_INPUT', options); }
}
/** The requested device does not exist in this libtorch or on this machine. */
export class DeviceError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_DEVICE', options); }
}
/** libtorch itself failed (out of memory, an internal error). */
export class LibtorchError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_LIBTORCH', options); }
}
/** predict() on a backbone without an emotion head. */
export class NoHeadError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_NO_HEAD', options); }
}
/** The model was disposed. */
export class DisposedError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_DISPOSED', options); }
}
/** A file could not be written. */
export class IoError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_IO', options); }
}
/** The native addon could not be loaded (not built, or libtorch missing at run time). */
export class AddonError extends SerError {
  constructor(message: string, options?: { cause?: unknown }) { super(message, 'ERR_ADDON', options); }
}

const byCode: Record<string, new (message: string, options?: { cause?: unknown }) => SerError> = {
  ERR_CONFIG: ConfigError,
  ERR_CHECKPOINT: CheckpointError,
  ERR_AUDIO: AudioError,
  ERR_INPUT: InputError,
  ERR_DEVICE: DeviceError,
  ERR_LIBTORCH: LibtorchError,
  ERR_NO_HEAD: NoHeadError,
  ERR_DISPOSED: DisposedError,
  ERR_IO: IoError,
};

/** Turns an error thrown by the addon into the matching exported class. */
export function fromNative(error: unknown): unknown {
  if (error instanceof SerError) return error;
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'string' && byCode[e.code]) {
    return new byCode[e.code](String(e.message), { cause: error });
  }
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
