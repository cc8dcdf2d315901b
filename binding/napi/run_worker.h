// One predict / embed / hiddenStates call: decodes and runs its inputs on the model's lane, or
// hands them to the model's batcher (model_batcher.h), which runs them together with other calls.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "api/ser_model.h"
#include "perturb/perturbation.h"
#include "promise_worker.h"

namespace ser_napi {

class RunWorker : public PromiseWorker {
 public:
  RunWorker(Napi::Env env, std::shared_ptr<ser::SerModel> model, std::vector<ser::AudioInput> inputs,
            ser::OutputKind kind, int batch, std::optional<ser::perturb::Perturbation> perturbation, uint64_t seed);

  // For the batcher, on the lane's thread.
  const std::shared_ptr<ser::SerModel>& model() const { return model_; }
  const std::vector<ser::AudioInput>& inputs() const { return inputs_; }
  ser::OutputKind kind() const { return kind_; }
  bool perturbed() const { return perturbation_.has_value(); }
  void set_results(std::vector<ser::ItemResult> results) { results_ = std::move(results); }
  // Drops the inputs and this call's reference to the model on the native thread: the JS thread
  // deletes the worker, and must never be the one that frees a disposed model.
  void release();

 protected:
  void Work() override;
  Napi::Value Result(Napi::Env env) override;

 private:
  std::shared_ptr<ser::SerModel> model_;
  std::vector<ser::AudioInput> inputs_;
  ser::OutputKind kind_;
  int batch_;
  std::optional<ser::perturb::Perturbation> perturbation_;  // applied to each input's audio first
  uint64_t seed_;
  std::vector<ser::ItemResult> results_;
};

}  // namespace ser_napi
