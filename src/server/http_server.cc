#include "server/http_server.h"

#include <httplib.h>

#include <chrono>

#include "core/error.h"
#include "server/api_error.h"
#include "server/connection_probe.h"
#include "server/formatter.h"
#include "server/job_builder.h"
#include "server/request.h"
#include "server/web_page.h"
#include "sampling/profile.h"
#include "model/model.h"

namespace entropix::server {
namespace {

using json = nlohmann::json;
constexpr auto kPoll = std::chrono::milliseconds(50);

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(CompletionFormatter::Dump(body), "application/json");
}

void SendError(httplib::Response& res, const ApiError& e) {
  if (e.status() == 503) res.set_header("Retry-After", "1");
  SendJson(res, e.status(), e.Body());
}

// Errors httplib produces itself (no route, a body over the limit) in
// OpenAI's shape; our own error responses already have a body.
void FillHttpError(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return;
  if (res.status == 413) {
    SendError(res, ApiError(413, "invalid_request_error", "the request body is too large (the server's --max-body)",
                            "", "request_too_large"));
  } else if (res.status == 404) {
    SendError(res, ApiError(404, "invalid_request_error", "no route " + req.method + " " + req.path, "",
                            "unknown_url"));
  } else {
    SendError(res, ApiError(res.status, "invalid_request_error", "HTTP error " + std::to_string(res.status)));
  }
}

bool WriteSse(httplib::DataSink& sink, const std::string& data) {
  const std::string frame = "data: " + data + "\n\n";
  return sink.write(frame.data(), frame.size());
}

// The SSE body: one chunk per event, the usage chunk, "data: [DONE]". A
// client that hangs up (a failed write, or the probe between events: a vote
// writes nothing for a while) cancels the request's sequences.
void Stream(httplib::Response& res, std::shared_ptr<Channel> channel, std::shared_ptr<CompletionFormatter> fmt,
            ConnectionProbe probe) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [channel, fmt, probe](size_t, httplib::DataSink& sink) {
        if (probe.PeerGone()) {
          channel->Cancel();
          return false;
        }
        bool finished = false;
        for (const StreamEvent& e : channel->Wait(kPoll, &finished)) {
          for (const json& chunk : fmt->Chunks(e)) {
            if (!WriteSse(sink, CompletionFormatter::Dump(chunk))) {
              channel->Cancel();
              return false;
            }
          }
        }
        if (!finished) return true;
        bool ok = true;
        if (const std::string err = channel->error(); !err.empty()) {
          ok = WriteSse(sink, CompletionFormatter::Dump(ApiError(500, "server_error", err).Body()));
        } else if (auto usage = fmt->UsageChunk()) {
          ok = WriteSse(sink, CompletionFormatter::Dump(*usage));
        }
        if (ok && WriteSse(sink, "[DONE]")) sink.done();
        return ok;
      },
      [channel](bool success) {
        if (!success) channel->Cancel();
      });
}

// A whole answer. The client is probed between waits, so a hang-up cancels
// the generation within about one poll (a step or two), not at the write.
json WaitWhole(Channel& channel, CompletionFormatter& fmt, const ConnectionProbe& probe) {
  bool finished = false;
  while (!finished) {
    for (const StreamEvent& e : channel.Wait(kPoll, &finished)) fmt.Add(e);
    if (!finished && probe.PeerGone()) {
      channel.Cancel();
      throw ApiError(499, "invalid_request_error", "the client closed the connection", "", "client_closed");
    }
  }
  if (const std::string err = channel.error(); !err.empty()) throw ApiError(500, "server_error", err);
  return fmt.Response();
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned diff = a.size() != b.size();
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

HttpServer::HttpServer(ServerOptions options) : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  const int threads = options_.http_threads > 0 ? options_.http_threads
                                                : options_.engine.parallel + options_.engine.queue + 4;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(options_.max_body);
  http_->set_read_timeout(30, 0);
  http_->set_write_timeout(30, 0);
  Routes();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.host);
  } else {
    port_ = http_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    throw Error(ErrorCode::kIo, "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                                    " (in use, or not an address of this machine; try another --port)");
  }
  listener_ = std::thread([this] { http_->listen_after_bind(); });
}

void HttpServer::SetModel(const Model& model, const Tokenizer& tokenizer, std::vector<std::string> model_ids) {
  model_ = &model;
  tokenizer_ = &tokenizer;
  model_ids_ = std::move(model_ids);
  engine_ = std::make_unique<Engine>(model, tokenizer, options_.engine, metrics_);
  ready_.store(true, std::memory_order_release);
}

void HttpServer::Stop() {
  if (listener_.joinable()) {
    http_->stop();
    listener_.join();
  }
  engine_.reset();
}

void HttpServer::CheckAuth(const httplib::Request& req) const {
  if (options_.api_key.empty()) return;
  const std::string given = req.get_header_value("Authorization");
  if (!ConstantTimeEquals(given, "Bearer " + options_.api_key)) {
    throw ApiError(401, "invalid_request_error",
                   given.empty() ? "missing API key: send the header 'Authorization: Bearer KEY'"
                                 : "invalid API key",
                   "", "invalid_api_key");
  }
}

void HttpServer::CheckReady() const {
  if (!ready_.load(std::memory_order_acquire)) {
    throw ApiError(503, "server_error", "the model is still loading; retry in a few seconds", "", "loading");
  }
}

void HttpServer::Routes() {
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) { FillHttpError(req, res); });
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = ready_.load(std::memory_order_acquire);
    SendJson(res, ready ? 200 : 503, {{"status", ready ? "ok" : "loading"}});
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4");
  });
  http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(WebPageTexts()[0].text, "text/html; charset=utf-8");
  });
  http_->Get("/v1/entropix/profile", [this](const httplib::Request& req, httplib::Response& res) {
    HandleProfile(req, res);
  });
  http_->Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) { HandleModels(req, res); });
  http_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    HandleCompletion(req, res, Endpoint::kChat);
  });
  http_->Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    HandleCompletion(req, res, Endpoint::kCompletion);
  });
}

void HttpServer::HandleModels(const httplib::Request& req, httplib::Response& res) {
  try {
    CheckAuth(req);
    CheckReady();
    const json model = {{"id", model_ids_.front()}, {"object", "model"}, {"created", 0}, {"owned_by", "entropix"}};
    SendJson(res, 200, {{"object", "list"}, {"data", json::array({model})}});
  } catch (const ApiError& e) {
    SendError(res, e);
  }
  metrics_.CountRequest("models", res.status);
}

// Extension: a built-in entropix profile (default: the one the server uses
// for the model), for the web page's threshold lines.
void HttpServer::HandleProfile(const httplib::Request& req, httplib::Response& res) {
  try {
    CheckAuth(req);
    CheckReady();
    std::string name = req.get_param_value("name");
    if (name.empty()) name = DefaultProfileFor(model_->config().name, model_->config().vocab_size);
    if (!HasBuiltinProfile(name)) {
      throw ApiError(404, "invalid_request_error", "no built-in profile '" + name + "'", "name", "not_found");
    }
    SendJson(res, 200, json::parse(ProfileToJson(BuiltinProfile(name))));
  } catch (const ApiError& e) {
    SendError(res, e);
  }
  metrics_.CountRequest("profile", res.status);
}

void HttpServer::HandleCompletion(const httplib::Request& req, httplib::Response& res, Endpoint endpoint) {
  try {
    CheckAuth(req);
    CheckReady();
    const CompletionRequest r = ParseCompletionRequest(req.body, endpoint);
    if (std::find(model_ids_.begin(), model_ids_.end(), r.model) == model_ids_.end()) {
      throw ApiError(404, "invalid_request_error",
                     "the model '" + r.model + "' does not exist; this server serves '" + model_ids_.front() + "'",
                     "model", "model_not_found");
    }
    BuiltJob b = BuildJob(r, *model_, *tokenizer_, engine_->context());
    std::shared_ptr<Channel> channel = b.job.channel;
    auto fmt = std::make_shared<CompletionFormatter>(r, model_ids_.front(), b.prompt_tokens);
    engine_->Submit(std::move(b.job));
    metrics_.CountPromptTokens(b.prompt_tokens);
    const ConnectionProbe probe(req.local_port, req.remote_addr, req.remote_port);
    if (r.stream) {
      res.status = 200;
      Stream(res, channel, fmt, probe);
    } else {
      SendJson(res, 200, WaitWhole(*channel, *fmt, probe));
    }
  } catch (const ApiError& e) {
    SendError(res, e);
  } catch (const Error& e) {
    SendError(res, ApiError(400, "invalid_request_error", e.what()));
  }
  metrics_.CountRequest(endpoint == Endpoint::kChat ? "chat" : "completions", res.status);
}

}  // namespace entropix::server
