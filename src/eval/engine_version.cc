#include "eval/engine_version.h"

#include "engine_version_info.h"  // generated at every build by engine_version.cmake

namespace entropix {

std::string EngineVersion() {
  const std::string describe = ENTROPIX_GIT_DESCRIBE;
  return describe.empty() ? ENTROPIX_PROJECT_VERSION : ENTROPIX_PROJECT_VERSION " (" + describe + ")";
}

}  // namespace entropix
