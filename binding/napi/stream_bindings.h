// WindowStream: the native side of model.predictStream / predictLong (lib/predict-long.ts).
//   const s = new WindowStream(modelHandle);
//   await s.open(path, { windowSeconds, hopSeconds, batchSize })  // -> { sampleRate, windowSamples, hopSamples }
//   await s.next()  // -> { windows: [{ start, end, values: Float32Array }], done, seconds, uncoveredSeconds }
//   s.close();
// open() checks the options on the calling thread (ERR_INPUT naming the option); the file is
// opened and each batch of windows decoded and predicted on the compute thread, in call order like
// every model call, and the Promise settles through a thread-safe function. close() and garbage
// collection hand the decoder and the stream's model reference back to the compute thread, so
// nothing is freed on the JS thread. Times are seconds in the file (api/windowed_prediction.h).
#pragma once
#include <napi.h>

namespace ser_napi {

// Adds the WindowStream class. ModelHandle must already be on `exports`: the constructor checks
// its argument against it.
void register_stream_bindings(Napi::Env env, Napi::Object exports);

}  // namespace ser_napi
