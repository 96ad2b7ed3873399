// `entropix serve`: the OpenAI-compatible HTTP server (src/server/). This
// file only parses flags into ServerOptions, loads the model and waits for
// SIGINT/SIGTERM; the server binds first, so /health answers 503 while the
// model loads.
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "commands.h"
#include "model/model.h"
#include "server/http_server.h"
#include "tokenizer/tokenizer.h"

namespace entropix {

CLI::App* AddServeCommand(CLI::App& app, ServeArgs& a) {
  CLI::App* cmd = app.add_subcommand("serve", "Serve the model over an OpenAI-compatible HTTP API");
  AddModelFlags(cmd, a.model);
  cmd->add_option("--host", a.host, "Address to listen on (0.0.0.0: every interface)")->capture_default_str();
  cmd->add_option("--port", a.port, "Port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--api-key", a.api_key,
                  "Require 'Authorization: Bearer KEY' on /v1/* (default: $ENTROPIX_API_KEY, else none)");
  cmd->add_option("--parallel", a.parallel, "Sequences decoded together in each step")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--queue", a.queue, "Sequences that may wait beyond --parallel; more get 503")
      ->check(CLI::Range(0, 4096))->capture_default_str();
  cmd->add_option("--max-body", a.max_body, "Largest request body in bytes (larger: 413)")
      ->check(CLI::Range(1024, 1 << 30))->capture_default_str();
  return cmd;
}

namespace {

// SIGINT and SIGTERM are blocked in every thread (set before any starts) and
// taken here with sigwait: no handler races the server's threads. SIGPIPE
// is ignored: a client that hangs up is a failed write, not a dead server.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return set;
}

}  // namespace

int ServeCommand(const ServeArgs& a) {
  const sigset_t stop_signals = BlockStopSignals();
  server::ServerOptions o;
  o.host = a.host;
  o.port = a.port;
  o.api_key = a.api_key;
  if (o.api_key.empty()) {
    if (const char* k = std::getenv("ENTROPIX_API_KEY")) o.api_key = k;
  }
  o.max_body = a.max_body;
  o.engine.parallel = a.parallel;
  o.engine.queue = a.queue;
  o.engine.context = a.model.context;
  o.engine.threads = a.model.threads;
  server::HttpServer http(o);
  http.Start();
  std::fprintf(stderr, "entropix serve: listening on http://%s:%d (loading the model)\n", a.host.c_str(), http.port());
  std::string path;
  const std::unique_ptr<Model> model = LoadModel(a.model, &path);
  const std::unique_ptr<Tokenizer> tokenizer = Tokenizer::FromGguf(model->file());
  std::vector<std::string> ids = {std::filesystem::path(path).stem().string()};
  if (!a.model.model.empty() && a.model.model != ids[0]) ids.push_back(a.model.model);
  http.SetModel(*model, *tokenizer, ids);
  std::fprintf(stderr, "entropix serve: ready: model '%s', %d parallel, %d queued, context %d\n", ids[0].c_str(),
               a.parallel, a.queue, a.model.context);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "entropix serve: stopping (signal %d)\n", sig);
  http.Stop();
  return 0;
}

}  // namespace entropix
