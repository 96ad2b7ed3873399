// HttpServer: the HTTP front end (cpp-httplib) over the Engine. Routes:
//
//   GET  /health                 200 {"status":"ok"} when ready, 503 while loading
//   GET  /metrics                Prometheus text (metrics.h)
//   GET  /v1/models              the served model
//   POST /v1/chat/completions    OpenAI chat completions (stream or not)
//   POST /v1/completions         OpenAI completions (stream or not)
//   GET  /v1/entropix/profile    extension: a built-in profile (?name=; default: the model's)
//   GET  /                       the web page (web_page.h)
//
// Every error is OpenAI-shaped JSON (api_error.h). With an API key, /v1/*
// needs "Authorization: Bearer KEY" (401 otherwise); /health, /metrics and
// / are open. Bodies over max_body bytes get 413; a full queue 503 with
// Retry-After. A client that disconnects, streaming or not, has its
// sequences cancelled at the engine's next step: a failed write, or the
// connection probe (connection_probe.h) every 50 ms while waiting; such a
// request counts as status 499 in /metrics.
//
// Lifecycle: Start() binds and serves (/health answers 503); SetModel()
// makes the server ready; Stop() ends serving.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "server/engine.h"
#include "server/metrics.h"
#include "server/request.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace entropix::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;         // 0: any free port (port() tells which)
  std::string api_key;     // "": no authentication
  size_t max_body = 4u << 20;  // bytes
  int http_threads = 0;    // 0: parallel + queue + 4
  EngineOptions engine;
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (Error(kIo) when the address cannot be bound) and serves on a
  // thread of its own.
  void Start();
  int port() const { return port_; }
  // The model is loaded: start the engine and answer requests. `model_ids`:
  // the names a request's "model" may give (the first is listed).
  void SetModel(const Model& model, const Tokenizer& tokenizer, std::vector<std::string> model_ids);
  void Stop();

 private:
  void Routes();
  void HandleCompletion(const httplib::Request& req, httplib::Response& res, Endpoint endpoint);
  void HandleModels(const httplib::Request& req, httplib::Response& res);
  void HandleProfile(const httplib::Request& req, httplib::Response& res);
  void CheckAuth(const httplib::Request& req) const;
  void CheckReady() const;

  ServerOptions options_;
  Metrics metrics_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  int port_ = 0;
  // Set once by SetModel, before ready_ (release): handlers read ready_ first.
  const Model* model_ = nullptr;
  const Tokenizer* tokenizer_ = nullptr;
  std::vector<std::string> model_ids_;
  std::unique_ptr<Engine> engine_;
  std::atomic<bool> ready_{false};
};

}  // namespace entropix::server
