#include "run_worker.h"

#include "convert.h"

namespace ser_napi {

RunWorker::RunWorker(Napi::Env env, std::shared_ptr<ser::SerModel> model, std::vector<ser::AudioInput> inputs,
                     ser::OutputKind kind, int batch, std::optional<ser::perturb::Perturbation> perturbation,
                     uint64_t seed)
    : PromiseWorker(env),
      model_(std::move(model)),
      inputs_(std::move(inputs)),
      kind_(kind),
      batch_(batch),
      perturbation_(std::move(perturbation)),
      seed_(seed) {}

void RunWorker::Work() {
  ser::WaveformTransform transform;
  if (perturbation_) {
    perturbation_->check_files();  // a bad noise clip fails before any input is decoded
    transform = [this](std::vector<float> samples, int rate, const std::string& key) {
      return perturbation_->apply(std::move(samples), rate, seed_, key);
    };
  }
  try {
    results_ = model_->run(inputs_, kind_, batch_, transform);
  } catch (...) {
    release();
    throw;
  }
  release();
}

void RunWorker::release() {
  std::vector<ser::AudioInput>().swap(inputs_);
  model_.reset();
}

Napi::Value RunWorker::Result(Napi::Env env) { return from_results(env, results_); }

}  // namespace ser_napi
