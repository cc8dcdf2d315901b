// Overlapping training runs hold process-wide switches (oneDNN off, anomaly mode) without
// undoing each other: the switch keeps the run's value while any run holds it, and the value from
// before the first run comes back after the last one (issue 11: the toggle race).
#include <memory>

#include <ATen/Context.h>
#include <torch/csrc/autograd/anomaly_mode.h>

#include "train/process_switches.h"
// Last: its CHECK replaces the glog CHECK that torch's headers bring in.
#include "harness.h"

using ser::train::SwitchHold;

TEST_CASE("process switches: overlapping holders keep oneDNN off until the last one leaves") {
  auto& ctx = at::globalContext();
  const bool before = ctx.userEnabledMkldnn();
  ctx.setUserEnabledMkldnn(true);
  {
    auto a = std::make_unique<SwitchHold>(ser::train::mkldnn_off_switch(), true);
    CHECK(!ctx.userEnabledMkldnn());
    auto b = std::make_unique<SwitchHold>(ser::train::mkldnn_off_switch(), true);
    a.reset();  // the first run ends while the second still trains
    CHECK(!ctx.userEnabledMkldnn());
    SwitchHold inactive(ser::train::mkldnn_off_switch(), false);  // a run that needs oneDNN changes nothing
    CHECK(!ctx.userEnabledMkldnn());
    b.reset();
    CHECK(ctx.userEnabledMkldnn());
  }
  // A value set before the first hold is the one restored, whatever it was.
  ctx.setUserEnabledMkldnn(false);
  { SwitchHold a(ser::train::mkldnn_off_switch(), true); }
  CHECK(!ctx.userEnabledMkldnn());
  ctx.setUserEnabledMkldnn(before);
}

TEST_CASE("process switches: anomaly mode held on by overlapping runs, then restored off") {
  CHECK(!torch::autograd::AnomalyMode::is_enabled());
  auto a = std::make_unique<SwitchHold>(ser::train::anomaly_mode_switch(), true);
  auto b = std::make_unique<SwitchHold>(ser::train::anomaly_mode_switch(), true);
  CHECK(torch::autograd::AnomalyMode::is_enabled());
  a.reset();
  CHECK(torch::autograd::AnomalyMode::is_enabled());
  b.reset();
  CHECK(!torch::autograd::AnomalyMode::is_enabled());
}
