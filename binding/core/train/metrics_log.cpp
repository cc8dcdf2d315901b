#include "train/metrics_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "config/json_file.h"
#include "error.h"

namespace ser::train {
namespace {

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

void append_metrics(const std::string& out_dir, const MetricsLine& m) {
  nlohmann::json j;
  j["step"] = m.step;
  j["epoch"] = m.epoch;
  j["train_loss"] = finite_or_null(m.train_loss);
  nlohmann::json ccc = nlohmann::json::object();
  for (size_t d = 0; d < m.dimensions.size() && d < m.dev_ccc.size(); ++d)
    ccc[m.dimensions[d]] = finite_or_null(m.dev_ccc[d]);
  j["dev_ccc"] = ccc;
  j["dev_ccc_mean"] = finite_or_null(m.dev_ccc_mean);
  const std::string text = j.dump() + "\n";
  const std::string path = (std::filesystem::path(out_dir) / "metrics.jsonl").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorCode::Io, "cannot open " + path + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    throw Error(ErrorCode::Io, "cannot append to " + path + ": " + std::strerror(written < 0 ? write_errno : ENOSPC));
}

void start_metrics(const std::string& out_dir, bool resume, int64_t resume_step) {
  const std::filesystem::path path = std::filesystem::path(out_dir) / "metrics.jsonl";
  std::error_code ec;
  if (!resume) {
    std::filesystem::remove(path, ec);
    return;
  }
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() <= resume_step)
      kept += line + "\n";
  }
  in.close();
  write_text_file_atomic(path.string(), kept);
}

}  // namespace ser::train
