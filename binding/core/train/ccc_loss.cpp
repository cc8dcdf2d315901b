#include "train/ccc_loss.h"

#include <cmath>
#include <limits>

#include <ATen/ATen.h>

namespace ser::train {

torch::Tensor ccc(const torch::Tensor& x, const torch::Tensor& y) {
  auto mx = x.mean(0), my = y.mean(0);
  auto dx = x - mx, dy = y - my;
  auto vx = (dx * dx).mean(0), vy = (dy * dy).mean(0);
  auto cov = (dx * dy).mean(0);
  return 2 * cov / (vx + vy + (mx - my).pow(2));
}

torch::Tensor ccc_loss(const torch::Tensor& pred, const torch::Tensor& gold) { return (1 - ccc(pred, gold)).mean(); }

double ccc_value(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double vx = 0, vy = 0, cov = 0;
  for (size_t i = 0; i < n; ++i) {
    vx += (x[i] - mx) * (x[i] - mx);
    vy += (y[i] - my) * (y[i] - my);
    cov += (x[i] - mx) * (y[i] - my);
  }
  vx /= n, vy /= n, cov /= n;
  return 2 * cov / (vx + vy + (mx - my) * (mx - my));
}

}  // namespace ser::train
