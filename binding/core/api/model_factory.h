// Creating a freshly initialised model folder from config JSON text (torch-free header).
#pragma once
#include <cstdint>
#include <string>

namespace ser {

void create_model_from_json(const std::string& dir, const std::string& config_json,
                            const std::string& preprocessor_json, bool with_head, uint64_t seed);

}  // namespace ser
