#include "models/network_factory.h"

#include "models/cnn14.h"
#include "models/emotion_model.h"

namespace ser::models {

SerNetwork build_network(const ModelConfig& c, bool with_head) {
  if (c.is_cnn14()) {
    const int64_t outputs = c.labels.empty() ? 3 : static_cast<int64_t>(c.labels.size());
    return std::make_shared<Cnn14Impl>(c.cnn14, outputs);
  }
  return std::make_shared<EmotionModelImpl>(c, with_head);
}

}  // namespace ser::models
