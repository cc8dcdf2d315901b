#include "stream_bindings.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/windowed_prediction.h"
#include "compute_thread.h"
#include "error.h"
#include "errors.h"
#include "model_handle.h"
#include "option_reader.h"
#include "promise_worker.h"

namespace ser_napi {
namespace {

// What the handle and its queued calls share. `run` is touched on the compute thread only.
struct StreamState {
  std::shared_ptr<ser::SerModel> model;
  std::unique_ptr<ser::WindowedPrediction> run;
};

// A call on the stream. It gives its reference back at the end of its compute-thread work, so the
// last reference (and the file, the resampler, perhaps the model) never goes with the worker,
// which is deleted on the JS thread.
class StreamWorker : public PromiseWorker {
 public:
  StreamWorker(Napi::Env env, std::shared_ptr<StreamState> state) : PromiseWorker(env), state_(std::move(state)) {}

 protected:
  virtual void Step(StreamState& state) = 0;

 private:
  void Work() final {
    struct Release {
      std::shared_ptr<StreamState>& state;
      ~Release() { state.reset(); }
    } release{state_};
    Step(*state_);
  }
  std::shared_ptr<StreamState> state_;
};

class OpenWorker : public StreamWorker {
 public:
  OpenWorker(Napi::Env env, std::shared_ptr<StreamState> state, std::string path, ser::WindowOptions options)
      : StreamWorker(env, std::move(state)), path_(std::move(path)), options_(options) {}

 private:
  void Step(StreamState& s) override {
    s.run = std::make_unique<ser::WindowedPrediction>(s.model, path_, options_);
    rate_ = s.run->sample_rate();
    plan_ = s.run->plan();
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("sampleRate", rate_);
    o.Set("windowSamples", static_cast<double>(plan_.window));
    o.Set("hopSamples", static_cast<double>(plan_.hop));
    return o;
  }
  std::string path_;
  ser::WindowOptions options_;
  int rate_ = 0;
  ser::WindowPlan plan_;
};

class NextWorker : public StreamWorker {
 public:
  using StreamWorker::StreamWorker;

 private:
  void Step(StreamState& s) override {
    if (!s.run)
      throw ser::Error(ser::ErrorCode::Input,
                       "WindowStream.next(): the stream is not open (its open() or a next() failed)");
    try {
      results_ = s.run->next_batch();
    } catch (...) {
      s.run.reset();  // a failed file is closed at once; the stream ends here
      throw;
    }
    rate_ = s.run->sample_rate();
    done_ = s.run->finished();
    samples_ = s.run->samples_read();
    uncovered_ = s.run->uncovered_samples();
  }
  Napi::Value Result(Napi::Env env) override {
    const double rate = rate_;
    auto windows = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) {
      const auto& r = results_[i];
      auto w = Napi::Object::New(env);
      w.Set("start", static_cast<double>(r.start) / rate);
      w.Set("end", static_cast<double>(r.end) / rate);
      auto values = Napi::Float32Array::New(env, r.values.size());
      std::copy(r.values.begin(), r.values.end(), values.Data());
      w.Set("values", values);
      windows.Set(static_cast<uint32_t>(i), w);
    }
    auto o = Napi::Object::New(env);
    o.Set("windows", windows);
    o.Set("done", done_);
    o.Set("seconds", static_cast<double>(samples_) / rate);
    o.Set("uncoveredSeconds", static_cast<double>(uncovered_) / rate);
    return o;
  }
  std::vector<ser::WindowResult> results_;
  int rate_ = 1;
  bool done_ = false;
  int64_t samples_ = 0, uncovered_ = 0;
};

class WindowStream : public Napi::ObjectWrap<WindowStream> {
 public:
  // new WindowStream(modelHandle)
  explicit WindowStream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WindowStream>(info) {
    std::shared_ptr<ser::SerModel> model = ModelHandle::shared_model(info[0]);
    state_ = std::make_shared<StreamState>();
    state_->model = std::move(model);
  }
  ~WindowStream() override { release(); }

  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto state = live(env);
    if (opened_) throw make_error(env, "ERR_INPUT", "WindowStream.open(): the stream is already open");
    if (!info[0].IsString() || info[0].As<Napi::String>().Utf8Value().empty())
      throw make_error(env, "ERR_INPUT", "predictStream: 'path' must be a non-empty string");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    OptionReader r(info[1], "predictStream");
    ser::WindowOptions o;
    o.window_seconds = r.number("windowSeconds", o.window_seconds, 0, ser::kMaxWindowSeconds);
    o.hop_seconds = r.number("hopSeconds", o.window_seconds, 0, ser::kMaxWindowSeconds);  // default: no overlap
    o.batch_size = static_cast<int>(r.integer("batchSize", o.batch_size, 1, ser::kMaxWindowBatch));
    // The checks against the model here, so that bad options fail before anything is queued.
    const auto& d = state->model->description();
    try {
      ser::plan_windows(o, d.sampling_rate, d.min_samples);
    } catch (const ser::Error& e) {
      throw make_error(env, ser::error_code_name(e.code()), std::string("predictStream: ") + e.what());
    }
    opened_ = true;
    return queue<OpenWorker>(env, std::move(state), path, o);
  }

  Napi::Value Next(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto state = live(env);
    if (!opened_) throw make_error(env, "ERR_INPUT", "WindowStream.next(): call open() first");
    return queue<NextWorker>(env, std::move(state));
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    release();
    return info.Env().Undefined();
  }

 private:
  std::shared_ptr<StreamState> live(Napi::Env env) const {
    if (!state_) throw make_error(env, "ERR_INPUT", "WindowStream: the stream is closed");
    return state_;
  }

  // After the calls already queued, like ModelHandle's dispose().
  void release() {
    if (state_) post_to_compute_thread([state = std::move(state_)]() mutable { state.reset(); });
    state_.reset();
  }

  std::shared_ptr<StreamState> state_;
  bool opened_ = false;
};

}  // namespace

void register_stream_bindings(Napi::Env env, Napi::Object exports) {
  exports.Set("WindowStream", WindowStream::DefineClass(env, "WindowStream",
                                                        {WindowStream::InstanceMethod("open", &WindowStream::Open),
                                                         WindowStream::InstanceMethod("next", &WindowStream::Next),
                                                         WindowStream::InstanceMethod("close", &WindowStream::Close)}));
}

}  // namespace ser_napi
