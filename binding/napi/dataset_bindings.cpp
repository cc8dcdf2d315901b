#include "dataset_bindings.h"

#include <cmath>

#include "api/model_factory.h"
#include "demo/synthetic_corpus.h"
#include "errors.h"
#include "label_range.h"
#include "option_reader.h"
#include "promise_worker.h"
#include "train/manifest.h"

namespace ser_napi {
namespace {

class ManifestWorker : public PromiseWorker {
 public:
  ManifestWorker(Napi::Env env, std::string path, ser::train::LabelRange range, ser::train::ManifestRules rules)
      : PromiseWorker(env), path_(std::move(path)), range_(range), rules_(std::move(rules)) {}
  void Work() override { manifest_ = ser::train::read_manifest(path_, range_, rules_); }
  Napi::Value Result(Napi::Env env) override {
    auto rows = Napi::Array::New(env, manifest_.examples.size());
    for (size_t i = 0; i < manifest_.examples.size(); ++i) {
      const auto& e = manifest_.examples[i];
      auto row = Napi::Object::New(env);
      row.Set("path", e.path);
      auto labels = Napi::Object::New(env);
      for (size_t d = 0; d < manifest_.dimensions.size(); ++d)
        if (!std::isnan(e.labels[d])) labels.Set(manifest_.dimensions[d], e.labels[d]);
      row.Set("labels", labels);
      row.Set("speaker", e.speaker);
      row.Set("gender", e.gender);
      row.Set("split", e.split);
      row.Set("seconds", e.seconds);
      row.Set("line", e.line);
      rows.Set(i, row);
    }
    auto skipped = Napi::Array::New(env, manifest_.skipped.size());
    for (size_t i = 0; i < manifest_.skipped.size(); ++i) {
      auto s = Napi::Object::New(env);
      s.Set("file", manifest_.skipped[i].path);
      s.Set("line", manifest_.skipped[i].line);
      s.Set("reason", manifest_.skipped[i].reason);
      skipped.Set(i, s);
    }
    auto dims = Napi::Array::New(env, manifest_.dimensions.size());
    for (size_t d = 0; d < manifest_.dimensions.size(); ++d) dims.Set(d, manifest_.dimensions[d]);
    auto o = Napi::Object::New(env);
    o.Set("dimensions", dims);
    o.Set("rows", rows);
    o.Set("skipped", skipped);
    return o;
  }

 private:
  std::string path_;
  ser::train::LabelRange range_;
  ser::train::ManifestRules rules_;
  ser::train::Manifest manifest_;
};

class CorpusWorker : public PromiseWorker {
 public:
  CorpusWorker(Napi::Env env, ser::demo::CorpusOptions options) : PromiseWorker(env), options_(std::move(options)) {}
  void Work() override { files_ = ser::demo::write_synthetic_corpus(options_); }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("train", files_.train);
    o.Set("dev", files_.dev);
    o.Set("test", files_.test);
    return o;
  }

 private:
  ser::demo::CorpusOptions options_;
  ser::demo::CorpusFiles files_;
};

class CreateModelWorker : public PromiseWorker {
 public:
  CreateModelWorker(Napi::Env env, std::string dir, std::string config, std::string pre, bool head, uint64_t seed)
      : PromiseWorker(env),
        dir_(std::move(dir)),
        config_(std::move(config)),
        pre_(std::move(pre)),
        head_(head),
        seed_(seed) {}
  void Work() override { ser::create_model_from_json(dir_, config_, pre_, head_, seed_); }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::string dir_, config_, pre_;
  bool head_;
  uint64_t seed_;
};

}  // namespace

Napi::Value ReadManifest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw make_error(env, "ERR_INPUT", "readManifest(path, range)");
  ser::train::LabelRange range;  // [0, 1] when left out
  if (!info[1].IsUndefined()) {
    auto given = to_label_range(info[1]);
    if (!given)
      throw make_error(env, "ERR_INPUT", "readManifest(path, range): range must be [min, max] with finite min < max");
    range = *given;
  }
  if (!info[2].IsUndefined() && !info[2].IsBoolean())
    throw make_error(env, "ERR_INPUT", "readManifest(path, range, confine): confine must be a boolean");
  ser::train::ManifestRules rules;
  rules.require_labels = false;
  rules.confine_to_folder = info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  // Evaluation's extras: { columns: { column: dimension }, skipUnreadableAudio: boolean }.
  if (!info[3].IsUndefined()) {
    OptionReader extras(info[3], "readManifest");
    rules.skip_unreadable_audio = extras.flag("skipUnreadableAudio", false);
    auto columns = extras.raw("columns");
    if (!columns.IsUndefined()) {
      if (!columns.IsObject()) throw make_error(env, "ERR_INPUT", "readManifest: columns must be an object");
      auto obj = columns.As<Napi::Object>();
      auto names = obj.GetPropertyNames();
      for (uint32_t i = 0; i < names.Length(); ++i) {
        auto value = obj.Get(names.Get(i));
        if (!value.IsString())
          throw make_error(env, "ERR_INPUT", "readManifest: columns values must be dimension names");
        rules.columns[names.Get(i).ToString().Utf8Value()] = value.As<Napi::String>().Utf8Value();
      }
    }
  }
  return queue<ManifestWorker>(env, info[0].As<Napi::String>().Utf8Value(), range, std::move(rules));
}

Napi::Value SynthesizeCorpus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw make_error(env, "ERR_INPUT", "synthesizeCorpus(options)");
  auto o = info[0].As<Napi::Object>();
  ser::demo::CorpusOptions c;
  c.dir = o.Get("dir").As<Napi::String>().Utf8Value();
  if (o.Get("train").IsNumber()) c.train = o.Get("train").As<Napi::Number>().Int32Value();
  if (o.Get("dev").IsNumber()) c.dev = o.Get("dev").As<Napi::Number>().Int32Value();
  if (o.Get("test").IsNumber()) c.test = o.Get("test").As<Napi::Number>().Int32Value();
  if (o.Get("seed").IsNumber()) c.seed = static_cast<uint64_t>(o.Get("seed").As<Napi::Number>().Int64Value());
  return queue<CorpusWorker>(env, std::move(c));
}

Napi::Value CreateModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString())
    throw make_error(env, "ERR_INPUT", "createModel(dir, configJson, preprocessorJson, withHead, seed)");
  const bool head = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  const uint64_t seed = info[4].IsNumber() ? static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value()) : 0;
  return queue<CreateModelWorker>(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(),
                                  info[2].As<Napi::String>().Utf8Value(), head, seed);
}

}  // namespace ser_napi
