// Helpers shared by the model tests: paths, entropy of logits, JSON loading.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

namespace entropix::testing {

inline std::string StoriesPath() { return std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf"; }

// Path of a cached model, or "" (and the test should skip) when it is absent
// and ENTROPIX_REQUIRE_MODELS is not set.
inline std::string CachedModel(const std::string& file) {
  std::string dir;
  if (const char* d = std::getenv("ENTROPIX_MODEL_DIR")) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME")) {
    dir = std::string(x) + "/entropix/models";
  } else if (const char* h = std::getenv("HOME")) {
    dir = std::string(h) + "/.cache/entropix/models";
  }
  const std::string path = dir + "/" + file;
  return std::filesystem::exists(path) ? path : "";
}

inline bool ModelsRequired() {
  const char* r = std::getenv("ENTROPIX_REQUIRE_MODELS");
  return r && std::string(r) == "1";
}

inline nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return nlohmann::json::parse(in);
}

// Entropy and varentropy (nats) of softmax(logits), in double.
inline std::pair<double, double> EntropyNats(std::span<const float> logits) {
  double max = -INFINITY;
  for (float l : logits) max = std::max(max, static_cast<double>(l));
  double z = 0.0;
  for (float l : logits) z += std::exp(l - max);
  const double logz = std::log(z) + max;
  double h = 0.0, e2 = 0.0;
  for (float l : logits) {
    const double lp = l - logz;
    const double p = std::exp(lp);
    h -= p * lp;
    e2 += p * lp * lp;
  }
  return {h, e2 - h * h};
}

// log_softmax(logits)[id]
inline double LogProb(std::span<const float> logits, int id) {
  double max = -INFINITY;
  for (float l : logits) max = std::max(max, static_cast<double>(l));
  double z = 0.0;
  for (float l : logits) z += std::exp(l - max);
  return logits[id] - max - std::log(z);
}

}  // namespace entropix::testing
