// Process-wide libtorch switches that a training run changes for as long as it runs: oneDNN off
// for a trained CNN (see trainer.cpp) and anomaly mode on request. Runs overlap (two train()
// calls, or one beside a model's predicts), so a switch is held, not toggled: the first holder
// saves the value and sets the run's, the last one to leave restores the saved value. Toggling
// per run let an early finisher turn oneDNN back on under a run still training, and a late one
// leave it off for the rest of the process.
#pragma once
#include <mutex>

namespace ser::train {

struct ProcessSwitch {
  bool (*get)();
  void (*set)(bool);
  bool value_while_held;
  std::mutex mutex;
  int holders = 0;
  bool saved = false;
};

// Holds `s` at its value while alive; holds nothing when `active` is false.
class SwitchHold {
 public:
  SwitchHold(ProcessSwitch& s, bool active);
  ~SwitchHold();
  SwitchHold(const SwitchHold&) = delete;
  SwitchHold& operator=(const SwitchHold&) = delete;

 private:
  ProcessSwitch* held_ = nullptr;
};

// userEnabledMkldnn held false.
ProcessSwitch& mkldnn_off_switch();
// Autograd's anomaly mode held on.
ProcessSwitch& anomaly_mode_switch();

}  // namespace ser::train
