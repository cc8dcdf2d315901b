// The JS-side handle of a loaded model. Workers hold their own shared_ptr, so dispose() while
// a call runs frees the model only when that call ends. The handle's own reference is dropped on
// the model's lane (dispose() or garbage collection), after the calls already queued: freeing a
// large model's weights stays off the JS thread.
#pragma once
#include <memory>
#include <optional>

#include <napi.h>

#include "api/ser_model.h"
#include "compute_thread.h"
#include "model_batcher.h"

namespace ser_napi {

class ModelHandle : public Napi::ObjectWrap<ModelHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  // Each handle runs its calls on a lane of its own (compute_thread.h); `batching`: coalesce them.
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<ser::SerModel> model,
                           std::optional<BatchingOptions> batching = std::nullopt);
  // The model behind a ModelHandle object: ERR_INPUT if `value` is not one, ERR_DISPOSED once disposed.
  static std::shared_ptr<ser::SerModel> shared_model(const Napi::Value& value);
  explicit ModelHandle(const Napi::CallbackInfo& info);
  ~ModelHandle() override;

 private:
  std::shared_ptr<ser::SerModel> model(Napi::Env env) const;  // throws once disposed
  Napi::Value Describe(const Napi::CallbackInfo& info);
  Napi::Value Run(
      const Napi::CallbackInfo& info);  // (inputs, kind, batchSize, perturbJson?, seed?, perturbKeys?) -> Promise
  Napi::Value Save(const Napi::CallbackInfo& info);  // (dir) -> Promise
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value BatchingStats(const Napi::CallbackInfo& info);  // () -> { calls, groups, largestGroup } | undefined
  void Release();                                             // dispose() and garbage collection

  std::shared_ptr<ser::SerModel> model_;
  std::shared_ptr<ComputeLane> lane_;
  std::shared_ptr<ModelBatcher> batcher_;  // null without `batching`
};

// loadModel(dir, options) -> Promise<ModelHandle>
Napi::Value LoadModel(const Napi::CallbackInfo& info);

}  // namespace ser_napi
