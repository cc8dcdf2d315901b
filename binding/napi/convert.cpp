#include "convert.h"

#include "errors.h"
#include "option_reader.h"
#include "runtime/threads.h"

namespace ser_napi {
namespace {

[[noreturn]] void input_error(Napi::Env env, const std::string& msg) { throw make_error(env, "ERR_INPUT", msg); }

Napi::Array strings(Napi::Env env, const std::vector<std::string>& v) {
  auto arr = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) arr.Set(i, Napi::String::New(env, v[i]));
  return arr;
}

}  // namespace

std::vector<ser::AudioInput> to_audio_inputs(const Napi::Value& value) {
  Napi::Env env = value.Env();
  if (!value.IsArray()) input_error(env, "inputs must be an array");
  auto items = value.As<Napi::Array>();
  std::vector<ser::AudioInput> out(items.Length());
  for (uint32_t i = 0; i < items.Length(); ++i) {
    Napi::Value item = items.Get(i);
    if (item.IsString()) {
      out[i].path = item.As<Napi::String>().Utf8Value();
      if (out[i].path.empty()) input_error(env, "input " + std::to_string(i) + ": empty path");
      continue;
    }
    if (!item.IsObject())
      input_error(env, "input " + std::to_string(i) + ": expected a path or { samples, sampleRate }");
    auto obj = item.As<Napi::Object>();
    Napi::Value samples = obj.Get("samples");
    if (!samples.IsTypedArray() || samples.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      input_error(env, "input " + std::to_string(i) + ": samples must be a Float32Array");
    auto arr = samples.As<Napi::Float32Array>();
    out[i].samples.assign(arr.Data(), arr.Data() + arr.ElementLength());
    Napi::Value rate = obj.Get("sampleRate");
    if (!rate.IsNumber()) input_error(env, "input " + std::to_string(i) + ": sampleRate must be a number");
    out[i].sample_rate = rate.As<Napi::Number>().DoubleValue();
  }
  return out;
}

ser::ModelOptions to_model_options(const Napi::Value& value) {
  OptionReader r(value, "loadModel");
  ser::ModelOptions o;
  o.device = r.text("device", o.device);
  o.threads = static_cast<int>(r.integer("threads", o.threads, 0, ser::runtime::kMaxThreads));
  o.num_layers = static_cast<int>(r.integer("numLayers", o.num_layers, 0, 100000));
  o.precision = r.text("precision", o.precision);  // the core names the allowed values
  return o;
}

Napi::Object from_description(Napi::Env env, const ser::ModelDescription& d) {
  auto o = Napi::Object::New(env);
  o.Set("modelType", d.model_type);
  o.Set("architectures", strings(env, d.architectures));
  o.Set("labels", strings(env, d.labels));
  o.Set("hasHead", d.has_head);
  o.Set("hiddenSize", static_cast<double>(d.hidden_size));
  o.Set("numLayers", static_cast<double>(d.num_layers));
  o.Set("numParameters", static_cast<double>(d.num_parameters));
  o.Set("sampleRate", d.sampling_rate);
  o.Set("minSamples", static_cast<double>(d.min_samples));
  o.Set("device", d.device);
  o.Set("skippedKeys", strings(env, d.skipped_keys));
  o.Set("precision", d.precision);
  o.Set("precisionReason", d.precision_reason);
  o.Set("warnings", strings(env, d.warnings));
  return o;
}

Napi::Object from_runtime_info(Napi::Env env, const ser::runtime::RuntimeInfo& info) {
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", info.torch_version);
  o.Set("torchLibrary", info.torch_library);
  o.Set("torchOrigin", info.torch_origin);
  o.Set("cudaAvailable", info.cuda_available);
  o.Set("cudaDevices", info.cuda_devices);
  o.Set("threads", info.threads);
  o.Set("cores", info.cores);
  o.Set("blas", info.blas);
  o.Set("blasLibrary", info.blas_library);
  o.Set("blasCore", info.blas_core);
  if (info.blas_thread_timeout >= 0) o.Set("blasThreadTimeout", info.blas_thread_timeout);
  o.Set("parallelBackend", info.parallel_backend);
  o.Set("cpuCapability", info.cpu_capability);
  o.Set("quantizedEngines", strings(env, info.quantized_engines));
  auto cpu = Napi::Object::New(env);
  const auto& c = info.cpu;
  cpu.Set("vendor", c.vendor);
  cpu.Set("model", c.model_name);
  cpu.Set("bf16", c.bf16);
  cpu.Set("int8", c.int8);
  cpu.Set("amx", c.amx_bf16 || c.amx_int8);
  cpu.Set("avx2", c.avx2);
  cpu.Set("avx512", c.avx512);
  cpu.Set("avx512Bf16", c.avx512_bf16);
  cpu.Set("avx512Vnni", c.avx512_vnni);
  cpu.Set("avxVnni", c.avx_vnni);
  cpu.Set("amxBf16", c.amx_bf16);
  cpu.Set("amxInt8", c.amx_int8);
  o.Set("cpu", cpu);
  o.Set("nativeWarnings", strings(env, info.warnings));
  return o;
}

Napi::Object from_results(Napi::Env env, const std::vector<ser::ItemResult>& results) {
  auto values = Napi::Array::New(env, results.size());
  auto frames = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    auto arr = Napi::Float32Array::New(env, results[i].values.size());
    std::copy(results[i].values.begin(), results[i].values.end(), arr.Data());
    values.Set(i, arr);
    frames.Set(i, Napi::Number::New(env, static_cast<double>(results[i].frames)));
  }
  auto o = Napi::Object::New(env);
  o.Set("values", values);
  o.Set("frames", frames);
  return o;
}

}  // namespace ser_napi
