// CCC: audmetric's anchor value, and the loss gradient against central finite differences.
#include <ATen/ATen.h>

#include "error.h"
#include "train/ccc_loss.h"
#include "harness.h"

TEST_CASE("ccc: audmetric anchor and NaN below two samples") {
  CHECK_NEAR(ser::train::ccc_value({0, 1, 2}, {0, 1, 1}), 0.6666666666666665, 1e-15);
  CHECK(std::isnan(ser::train::ccc_value({1}, {1})));
  auto t = ser::train::ccc(at::tensor({0.0, 1.0, 2.0}, at::kDouble), at::tensor({0.0, 1.0, 1.0}, at::kDouble));
  CHECK_NEAR(t.item<double>(), 0.6666666666666665, 1e-15);
}

TEST_CASE("ccc loss: gradient matches finite differences") {
  at::manual_seed(3);
  auto pred = at::rand({6, 3}, at::kDouble).requires_grad_(true);
  auto gold = at::rand({6, 3}, at::kDouble);
  auto loss = ser::train::ccc_loss(pred, gold);
  loss.backward();
  auto grad = pred.grad();
  const double h = 1e-6;
  auto p = pred.detach().clone();
  for (int64_t i = 0; i < p.numel(); ++i) {
    auto plus = p.clone(), minus = p.clone();
    plus.view(-1)[i] += h;
    minus.view(-1)[i] -= h;
    const double numeric =
        (ser::train::ccc_loss(plus, gold).item<double>() - ser::train::ccc_loss(minus, gold).item<double>()) / (2 * h);
    CHECK_NEAR(grad.view(-1)[i].item<double>(), numeric, 1e-7);
  }
}
