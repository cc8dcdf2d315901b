#include "api/model_factory.h"

#include "api/model_folder.h"
#include "api/torch_errors.h"

namespace ser {

void create_model_from_json(const std::string& dir, const std::string& config_json,
                            const std::string& preprocessor_json, bool with_head, uint64_t seed) {
  with_torch_errors([&] {
    create_model_folder(dir, parse_model_config(config_json, "config"),
                        parse_preprocessor_config(preprocessor_json, "preprocessor config"), with_head, seed);
    return 0;
  });
}

}  // namespace ser
