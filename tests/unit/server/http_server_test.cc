// The HTTP layer in process (cpp-httplib client against HttpServer on a free
// port of 127.0.0.1): /health before and after the model, concurrent
// streams, a client that hangs up, error shapes. Run under ThreadSanitizer
// by scripts/test.sh: handler threads, the engine thread and the channels.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/test_models.h"

namespace entropix::server {
namespace {

std::string Body(int seed, bool stream, int max_tokens = 16) {
  return R"({"model":"stories260K","prompt":"Once upon a time","sampler":"sample","seed":)" + std::to_string(seed) +
         R"(,"max_tokens":)" + std::to_string(max_tokens) + R"(,"stream":)" + (stream ? "true" : "false") + "}";
}

TEST(HttpServerTest, ServesConcurrentStreamsAndSurvivesAHangUp) {
  ServerOptions o;
  o.port = 0;
  o.engine = EngineOptions{4, 4, 256, 2, 32};
  HttpServer server(o);
  server.Start();
  httplib::Client cli("127.0.0.1", server.port());
  auto health = cli.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);

  const auto m = test_models::Load(test_models::StoriesPath());
  server.SetModel(*m.model, *m.tokenizer, {"stories260K"});
  EXPECT_EQ(cli.Get("/health")->status, 200);

  std::vector<std::string> alone(4), together(4);
  for (int i = 0; i < 4; ++i) alone[i] = nlohmann::json::parse(cli.Post("/v1/completions", Body(i, false), "application/json")->body)["choices"][0]["text"];
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", server.port());
      auto r = c.Post("/v1/completions", Body(i, true), "application/json");
      ASSERT_TRUE(r);
      std::string text;
      size_t pos = 0;
      while ((pos = r->body.find("data: {", pos)) != std::string::npos) {
        const size_t end = r->body.find("\n\n", pos);
        text += nlohmann::json::parse(r->body.substr(pos + 6, end - pos - 6))["choices"][0]["text"].get<std::string>();
        pos = end;
      }
      EXPECT_NE(r->body.find("data: [DONE]"), std::string::npos);
      together[i] = text;
    });
  }
  // Meanwhile: a client that reads one chunk and hangs up.
  std::thread hang_up([&] {
    httplib::Client c("127.0.0.1", server.port());
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = Body(9, true, 200);
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [](const char*, size_t, uint64_t, uint64_t) { return false; };
    c.send(req);
  });
  for (auto& t : threads) t.join();
  hang_up.join();
  EXPECT_EQ(together, alone);

  auto bad = cli.Post("/v1/completions", "{", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad->body)["error"]["code"], "invalid_json");
  EXPECT_EQ(cli.Get("/nowhere")->status, 404);
  auto page = cli.Get("/");
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("entropy–varentropy"), std::string::npos);
  EXPECT_EQ(page->body.find("http"), std::string::npos) << "the page loads nothing from the network";
  auto profile = cli.Get("/v1/entropix/profile?name=entropix-g2");
  EXPECT_EQ(nlohmann::json::parse(profile->body)["thresholds"]["high_entropy"], 5.0);
  EXPECT_TRUE(nlohmann::json::parse(cli.Get("/nowhere")->body).contains("error"));
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = cli.Get("/metrics")->body;
    if (metrics.find("entropix_active_sequences 0") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(metrics.find("entropix_active_sequences 0"), std::string::npos) << metrics;
  server.Stop();
}

}  // namespace
}  // namespace entropix::server
