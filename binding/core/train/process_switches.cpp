#include "train/process_switches.h"

#include <ATen/Context.h>
#include <torch/csrc/autograd/anomaly_mode.h>

namespace ser::train {

SwitchHold::SwitchHold(ProcessSwitch& s, bool active) {
  if (!active) return;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.holders++ == 0) {
    s.saved = s.get();
    s.set(s.value_while_held);
  }
  held_ = &s;
}

SwitchHold::~SwitchHold() {
  if (!held_) return;
  std::lock_guard<std::mutex> lock(held_->mutex);
  if (--held_->holders == 0) held_->set(held_->saved);
}

ProcessSwitch& mkldnn_off_switch() {
  static ProcessSwitch s{[] { return at::globalContext().userEnabledMkldnn(); },
                         [](bool v) { at::globalContext().setUserEnabledMkldnn(v); }, false};
  return s;
}

ProcessSwitch& anomaly_mode_switch() {
  static ProcessSwitch s{[] { return torch::autograd::AnomalyMode::is_enabled(); },
                         [](bool v) { torch::autograd::AnomalyMode::set_enabled(v); }, true};
  return s;
}

}  // namespace ser::train
