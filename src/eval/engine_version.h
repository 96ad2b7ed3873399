// The engine version every evaluation record carries: the project version
// and, when the build came from a git checkout, `git describe --always
// --dirty` at build time ("0.1.0 (v0.1-42-gabc1234-dirty)").
#pragma once

#include <string>

namespace entropix {

std::string EngineVersion();

}  // namespace entropix
