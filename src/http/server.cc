// SPDX-License-Identifier: Apache-2.0
#include "tdv/http/server.h"

#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>
#include <unordered_map>

#include "admin.h"
#include "batch.h"
#include "bulk_lane.h"
#include "exchange.h"
#include "http_util.h"
#include "json_writer.h"
#include "metrics.h"
#include "openapi_json.h"
#include "reactor.h"
#include "scans.h"
#include "tdv/http/rate_limit.h"
#include "tdv/http/report_json.h"
#include "tls.h"
#include "web_assets.h"

namespace tdv::http {

namespace {

using internal::kJsonType;
using internal::MediaType;
using internal::SendProblem;

// An audit store's error for the log, said once as the trail's ("audit
// trail: ..."), whether or not the store already names it so.
std::string AuditProblem(const std::string& message) {
  return message.rfind("audit trail", 0) == 0 ? message : "audit trail: " + message;
}

// Requests one connection may make before it is closed (a bound on its
// lifetime; each new connection costs a handshake, with TLS a dear one).
constexpr std::size_t kRequestsPerConnection = 10000;
constexpr int kListenBacklog = 1024;

// Set by a handler that answered "Connection: close" (401, 403, 429, 503
// from Authorize): httplib keeps reading the connection otherwise. Handlers
// run on the thread of ServeOne, so a thread-local flag is enough.
thread_local bool t_close_after_response = false;
// Set with a 401: a caller without a key gets no lingering close (it could
// otherwise hold a worker for the lingering time with every connection).
thread_local bool t_no_linger = false;
// The connection a handler runs on (ServeOne sets it), and when its request
// header was complete (for the latency metric).
thread_local internal::ConnectionStream* t_stream = nullptr;
thread_local std::chrono::steady_clock::time_point t_request_start;
// The caller Authorize found (for handlers that act on its behalf).
thread_local Principal t_principal;

// Requests each key has in progress (ServerOptions::max_in_flight_per_key).
class InFlight {
 public:
  bool Enter(const std::string& key, std::size_t most) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t& n = count_[key];
    if (n >= most) return false;
    ++n;
    return true;
  }
  void Leave(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = count_.find(key);
    if (it != count_.end() && --it->second == 0) count_.erase(it);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> count_;
};
// The table and key the request on this thread entered (left when it ends).
thread_local InFlight* t_in_flight = nullptr;
thread_local std::string t_in_flight_key;

void CloseAfterResponse(httplib::Response& res) {
  res.set_header("Connection", "close");
  t_close_after_response = true;
}

// httplib's server with its connections handed to the reactor instead of
// a worker each: see reactor.h.
class ParkingServer final : public httplib::Server {
 public:
  internal::Reactor* reactor = nullptr;

  // One request on a parked connection; false when it must be closed.
  bool ServeOne(internal::Connection& c, bool last) {
    bool closed = false;
    t_close_after_response = false;
    t_no_linger = false;
    t_stream = c.stream.get();
    t_stream->BeginRequest();
    t_request_start = std::chrono::steady_clock::now();
    const bool ok = process_request(*c.stream, last, closed, nullptr);
    t_stream = nullptr;
    if (t_in_flight != nullptr) {
      t_in_flight->Leave(t_in_flight_key);
      t_in_flight = nullptr;
    }
    if (t_close_after_response && !t_no_linger) c.linger = true;
    return ok && !closed && !t_close_after_response;
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    reactor->Accept(sock);
    return true;
  }
};

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Error{ErrorCode::kInvalidInput, "listen address must be HOST:PORT"};
  }
  std::string host(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  int port = 0;
  if (port_text.empty() || port_text.size() > 5) {
    return Error{ErrorCode::kInvalidInput, "listen port must be a number 0-65535"};
  }
  for (char c : port_text) {
    if (c < '0' || c > '9')
      return Error{ErrorCode::kInvalidInput, "listen port must be a number 0-65535"};
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return Error{ErrorCode::kInvalidInput, "listen port must be a number 0-65535"};
  return ListenAddress{host, port};
}

// The routes: one table that registration, permissions, 405 answers, the
// metrics' route label and the OpenAPI test all read.
struct Route {
  RouteInfo info;
  std::optional<Permission> permission;
  std::string pattern;    // httplib's regex for the path
  bool streamed = false;  // the handler reads the body itself (no size limit here)
};

const std::vector<Route>& RouteTable() {
  static const std::vector<Route> routes = {
      {{"GET", "/", ""}, std::nullopt, "/"},
      {{"GET", "/app.js", ""}, std::nullopt, "/app.js"},
      {{"GET", "/app.css", ""}, std::nullopt, "/app.css"},
      {{"GET", "/healthz", ""}, std::nullopt, "/healthz"},
      {{"GET", "/readyz", ""}, std::nullopt, "/readyz"},
      {{"GET", "/metrics", ""}, std::nullopt, "/metrics"},
      {{"GET", "/openapi.json", ""}, std::nullopt, "/openapi.json"},
      {{"POST", "/v1/verify", "verify"}, Permission::kVerify, "/v1/verify"},
      {{"POST", "/v1/verify/batch", "batch"}, Permission::kBatch, "/v1/verify/batch", true},
      {{"GET", "/v1/audit", "audit"}, Permission::kAudit, "/v1/audit"},
      {{"GET", "/v1/lists", "lists"}, Permission::kLists, "/v1/lists"},
      {{"GET", "/v1/scans", "verify"}, Permission::kVerify, "/v1/scans"},
      {{"GET", "/v1/trust", "admin"}, Permission::kAdmin, "/v1/trust"},
      {{"POST", "/v1/trust", "admin"}, Permission::kAdmin, "/v1/trust"},
      {{"POST", "/v1/exchange/evaluate", "partner"}, Permission::kPartner, "/v1/exchange/evaluate"},
      {{"GET", "/v1/exchange/outputs", "partner"}, Permission::kPartner, "/v1/exchange/outputs"},
      // Paths with parts last: FindRoute tries the plain ones first.
      {{"POST", "/v1/lists/{list}/import", "lists"},
       Permission::kLists,
       "/v1/lists/([^/]+)/import",
       true},
      {{"POST", "/v1/lists/{list}/records", "lists"},
       Permission::kLists,
       "/v1/lists/([^/]+)/records"},
      {{"DELETE", "/v1/lists/{list}/records/{state}/{type}/{number}", "lists"},
       Permission::kLists,
       "/v1/lists/([^/]+)/records/([^/]+)/([^/]+)/([^/]+)"},
      {{"GET", "/v1/lists/{list}/changes", "lists"},
       Permission::kLists,
       "/v1/lists/([^/]+)/changes"},
      {{"DELETE", "/v1/trust/{id}", "admin"}, Permission::kAdmin, "/v1/trust/([0-9A-Fa-f]+)"},
      {{"GET", "/v1/scans/{name}", "verify"}, Permission::kVerify, "/v1/scans/([^/]+)"},
      {{"GET", "/v1/feeds/{list}", "partner"}, Permission::kPartner, "/v1/feeds/([^/]+)"},
  };
  return routes;
}

// The route `path` matches (with `method`, or any when it is empty), or
// nullptr.
const Route* FindRoute(const std::string& method, const std::string& path) {
  static const std::vector<std::optional<std::regex>> patterns = [] {
    std::vector<std::optional<std::regex>> v;
    for (const Route& r : RouteTable()) {
      if (r.pattern.find('(') == std::string::npos) {
        v.emplace_back();
      } else {
        v.emplace_back(std::regex(r.pattern));
      }
    }
    return v;
  }();
  const auto& table = RouteTable();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Route& r = table[i];
    if (!method.empty() && r.info.method != method) continue;
    if (patterns[i] ? std::regex_match(path, *patterns[i]) : r.pattern == path) return &r;
  }
  return nullptr;
}

const std::vector<RouteInfo>& Routes() {
  static const std::vector<RouteInfo> infos = [] {
    std::vector<RouteInfo> v;
    for (const Route& r : RouteTable()) v.push_back(r.info);
    return v;
  }();
  return infos;
}

struct Server::Impl {
  Impl(const verify::Verifier& v, ServerOptions o)
      : verifier(v), options(std::move(o)), limiter(options.rate_per_second_by_role) {}

  const verify::Verifier& verifier;
  ServerOptions options;
  RateLimiter limiter;
  InFlight in_flight;
  internal::Metrics metrics;
  // Image checks run here, below the text checks' priority (bulk_lane.h);
  // as many at once as there are cores. Declared before the server and the
  // reactor: it goes after them, when no worker can wait on it any more.
  internal::BulkLane images{std::max(1u, std::thread::hardware_concurrency())};
  ParkingServer server;
  std::unique_ptr<internal::TlsContext> tls;  // set by Bind() when options ask for TLS
  std::unique_ptr<internal::Reactor> reactor;
  int bound_port = -1;
  socket_t listen_socket = -1;
  std::mutex log_mutex;
  // Stop() may come before Run() has started listening, when httplib's own
  // stop() would do nothing; these close that window.
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> in_run{false};
  std::atomic<bool> run_done{false};

  void Configure() {
    server.set_tcp_nodelay(true);
    // httplib's default sets SO_REUSEPORT, which lets a second instance bind
    // the same port and silently take half the traffic. Restart-friendly
    // SO_REUSEADDR only: a taken port is an error.
    server.set_socket_options([this](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
      listen_socket = sock;  // the last one tried is the one bound
    });
    // Bodies are bounded in Authorize (the batch route's is streamed).
    server.set_payload_max_length(std::numeric_limits<std::size_t>::max());
    server.set_read_timeout(options.read_timeout_seconds, 0);
    server.set_write_timeout(options.write_timeout_seconds, 0);
    server.set_keep_alive_timeout(options.keep_alive_seconds);
    server.set_keep_alive_max_count(kRequestsPerConnection);
    // Workers serve requests whose header has arrived; connections wait for
    // theirs in the reactor, holding no worker (idle keep-alive, silent or
    // slow clients cannot keep others waiting). httplib's own queue only
    // hands accepted sockets over.
    internal::Reactor::Options ro;
    ro.workers = static_cast<std::size_t>(std::max(1, options.threads));
    ro.header_timeout_seconds = options.read_timeout_seconds;
    ro.keep_alive_seconds = options.keep_alive_seconds;
    ro.keep_alive_max_count = kRequestsPerConnection;
    reactor = std::make_unique<internal::Reactor>(
        ro, [this](internal::Connection& c, bool last) { return server.ServeOne(c, last); },
        [this](int fd) -> std::unique_ptr<internal::ConnectionStream> {
          std::unique_ptr<internal::ConnectionStream> stream =
              tls ? tls->Wrap(fd, options.read_timeout_seconds, options.write_timeout_seconds)
                  : std::make_unique<internal::SocketStream>(fd, options.read_timeout_seconds,
                                                             options.write_timeout_seconds);
          if (stream) {
            stream->body_limit = options.max_body_bytes;
            stream->min_body_rate = options.min_body_rate;
          }
          return stream;
        });
    server.reactor = reactor.get();
    server.new_task_queue = [] { return new httplib::ThreadPool(2); };

    // Keys are checked on the headers, before httplib reads a body: a caller
    // without a key cannot make the service read 16 MB.
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return Authorize(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                 : httplib::Server::HandlerResponse::Handled;
    });
    using Handler = void (Impl::*)(const httplib::Request&, httplib::Response&);
    using internal::AdminContext;
    const std::map<std::string, Handler> handlers = {
        {"GET /", &Impl::HandlePage},
        {"GET /app.js", &Impl::HandlePage},
        {"GET /app.css", &Impl::HandlePage},
        {"GET /healthz", &Impl::HandleHealth},
        {"GET /readyz", &Impl::HandleReady},
        {"GET /metrics", &Impl::HandleMetrics},
        {"GET /openapi.json", &Impl::HandleOpenApi},
        {"POST /v1/verify", &Impl::HandleVerify},
        {"GET /v1/audit", &Impl::HandleAudit},
        {"GET /v1/lists", &Impl::HandleListsStats},
        {"POST /v1/lists/{list}/records", &Impl::HandleAddRecord},
        {"DELETE /v1/lists/{list}/records/{state}/{type}/{number}", &Impl::HandleRemoveRecord},
        {"GET /v1/lists/{list}/changes", &Impl::HandleChanges},
        {"GET /v1/scans", &Impl::HandleScans},
        {"GET /v1/scans/{name}", &Impl::HandleScan},
        {"GET /v1/trust", &Impl::HandleTrustList},
        {"POST /v1/trust", &Impl::HandleTrustImport},
        {"DELETE /v1/trust/{id}", &Impl::HandleTrustRemove},
        {"POST /v1/exchange/evaluate", &Impl::HandleExchangeEvaluate},
        {"GET /v1/exchange/outputs", &Impl::HandleExchangeOutputs},
        {"GET /v1/feeds/{list}", &Impl::HandleFeed},
    };
    std::map<std::string, std::string> allow;  // path -> its methods
    for (const Route& r : RouteTable()) {
      std::string& methods = allow[r.pattern];
      methods += (methods.empty() ? "" : ", ") + r.info.method;
      if (r.streamed) {
        // The handler reads the body itself.
        const bool batch = r.info.path == "/v1/verify/batch";
        server.Post(r.pattern, [this, batch](const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& body) {
          if (batch) {
            HandleBatch(req, res, body);
          } else {
            internal::ListsImport(Admin(), t_principal, req, res, body);
          }
          // Refused before its body was read: the connection cannot carry
          // another request.
          if (res.status >= 400) CloseAfterResponse(res);
        });
        continue;
      }
      auto it = handlers.find(r.info.method + " " + r.info.path);
      if (it == handlers.end()) throw std::logic_error("no handler for " + r.info.path);
      const Handler h = it->second;
      auto call = [this, h](const httplib::Request& req, httplib::Response& res) {
        (this->*h)(req, res);
      };
      if (r.info.method == "GET") {
        server.Get(r.pattern, call);
      } else if (r.info.method == "POST") {
        server.Post(r.pattern, call);
      } else {
        server.Delete(r.pattern, call);
      }
    }
    // A known path with another method: 405 with the methods it takes.
    for (const auto& [path, methods] : allow) {
      auto refuse = [methods = methods](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", methods);
        SendProblem(res, 405, "method-not-allowed", "Method not allowed",
                    req.method + " is not taken here; use " + methods);
      };
      if (methods.find("GET") == std::string::npos) server.Get(path, refuse);
      if (methods.find("POST") == std::string::npos) server.Post(path, refuse);
      if (methods.find("DELETE") == std::string::npos) server.Delete(path, refuse);
      server.Put(path, refuse);
      server.Patch(path, refuse);
    }
    // Statuses httplib produces itself (404, 413, 400 on a broken request)
    // arrive here with an empty body.
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      switch (res.status) {
        case 404:
          SendProblem(res, 404, "not-found", "Not found",
                      "no route " + req.method + " " + req.path);
          break;
        case 413:
          SendProblem(res, 413, "payload-too-large", "Payload too large",
                      "the request body exceeds the limit");
          break;
        default:
          SendProblem(res, res.status, "http-error", "HTTP error", "");
      }
    });
    server.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          Log("error: " + req.method + " " + req.path + ": " + what);
          SendProblem(res, 500, "internal", "Internal server error", "the error was logged");
        });
    // No personal data in the log: the address, the key's id, the route,
    // the status. The metrics count every request by its route's pattern.
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      // A known path with another method (405) keeps its path and method;
      // anything else is "other", so that clients cannot grow the labels.
      const Route* route = FindRoute("", req.path);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request_start).count();
      metrics.ObserveRequest(route != nullptr ? route->info.path : "other",
                             route != nullptr ? req.method : "other", res.status, seconds);
      std::string key = KeyManager::KeyIdOf(req.get_header_value("Authorization"));
      // A path that names a document (a record removed from a list) is
      // logged as its route's pattern: the log holds no document numbers.
      const std::string& path =
          route != nullptr && route->info.path.find("{number}") != std::string::npos
              ? route->info.path
              : req.path;
      if (t_stream != nullptr && t_stream->starved()) {
        Log("refused: " + req.remote_addr + " " + (key.empty() ? "-" : key) + " " + req.method +
            " " + path + ": its bytes came slower than " + std::to_string(options.min_body_rate) +
            " bytes a second (min_body_rate)");
      }
      if (!options.access_log) return;
      Log(req.remote_addr + " " + (key.empty() ? "-" : key) + " " + req.method + " " + path + " " +
          std::to_string(res.status) + " " + std::to_string(res.body.size()));
    });
  }

  // The permission a route needs; nullopt for open routes and for unknown
  // ones (which answer 404 or 405 whoever asks).
  static std::optional<Permission> Needs(const httplib::Request& req) {
    const Route* route = FindRoute(req.method, req.path);
    return route != nullptr ? route->permission : std::nullopt;
  }

  // Whether the request may go on; otherwise answers 401, 403 or 503 and
  // closes the connection (the body, if any, is not read).
  bool Authorize(const httplib::Request& req, httplib::Response& res) {
    t_principal = Principal{};
    if (!BodyAllowed(req, res)) return false;
    if (options.keys == nullptr) return true;
    const std::optional<Permission> needed = Needs(req);
    if (!needed) return true;
    Result<Principal> who = options.keys->Authenticate(req.get_header_value("Authorization"));
    if (who && Allows(who->role, *needed)) {
      t_principal = *who;
      // One key holds at most so many workers with long bodies at once: the
      // reactor waits for a body's first 64 kB, a worker for the rest, so a
      // key sending large bodies slowly would hold every worker. Requests
      // with a short body are over before they could (and an integration's
      // many parallel MRZ checks are not held back).
      const std::size_t most =
          options.max_in_flight_per_key > 0
              ? options.max_in_flight_per_key
              : std::max<std::size_t>(1,
                                      static_cast<std::size_t>(std::max(1, options.threads)) / 2);
      const bool long_body =
          req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos ||
          std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) >
              internal::kBodyAhead;
      if (long_body && !in_flight.Enter(who->key_id, most)) {
        res.set_header("Retry-After", "1");
        CloseAfterResponse(res);
        Log("refused: " + req.remote_addr + " " + who->key_id + " " + req.method + " " + req.path +
            ": the key has " + std::to_string(most) +
            " requests with long bodies in progress already (max_in_flight_per_key)");
        SendProblem(res, 429, "too-many-requests", "Too many requests",
                    "this key has " + std::to_string(most) +
                        " requests with bodies over 64 kB in progress, as many as one key may; "
                        "retry when one ends");
        return false;
      }
      if (long_body) {
        t_in_flight = &in_flight;
        t_in_flight_key = who->key_id;
      }
      int retry_after = 0;
      if (limiter.Take(who->key_id, who->role, retry_after)) return true;
      res.set_header("Retry-After", std::to_string(retry_after));
      CloseAfterResponse(res);
      SendProblem(res, 429, "too-many-requests", "Too many requests",
                  "this key is over its rate; retry after " + std::to_string(retry_after) + " s");
      return false;
    }
    CloseAfterResponse(res);
    if (!who) {
      if (who.error().code == ErrorCode::kUnavailable) {
        Log("error: key store: " + who.error().message);
        SendProblem(res, 503, "unavailable", "Service unavailable", "keys cannot be checked now");
        return false;
      }
      res.set_header("WWW-Authenticate", R"(Bearer realm="tdv")");
      t_no_linger = true;
      SendProblem(res, 401, "unauthorized", "Unauthorized",
                  who.error().code == ErrorCode::kInvalidInput
                      ? "send Authorization: Bearer KEY (a key made by `tdv keys create`)"
                      : "the key is unknown, wrong or revoked");
      return false;
    }
    SendProblem(res, 403, "forbidden", "Forbidden",
                "a key of role " + who->role + " may not " + PermissionName(*needed));
    return false;
  }

  // httplib's own limit is lifted for the streamed batch body; every other
  // route takes a body of at most max_body_bytes, with its size given (a
  // chunked one could not be bounded before it is read).
  bool BodyAllowed(const httplib::Request& req, httplib::Response& res) {
    const Route* route = FindRoute(req.method, req.path);
    if (route != nullptr && route->streamed) return true;
    if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) {
      CloseAfterResponse(res);
      SendProblem(res, 411, "length-required", "Length required",
                  "send the body with Content-Length (chunked bodies: POST /v1/verify/batch only)");
      return false;
    }
    const std::string length = req.get_header_value("Content-Length");
    std::uint64_t size = 0;
    const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), size);
    if (!length.empty() && (ec != std::errc() || end != length.data() + length.size())) {
      CloseAfterResponse(res);
      SendProblem(res, 400, "bad-request", "Bad request", "Content-Length is not a number");
      return false;
    }
    if (size > options.max_body_bytes) {
      CloseAfterResponse(res);
      SendProblem(res, 413, "payload-too-large", "Payload too large",
                  "the request body exceeds the limit of " +
                      std::to_string(options.max_body_bytes) + " bytes");
      return false;
    }
    return true;
  }

  void Log(const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    std::fprintf(stderr, "tdv: %s\n", line.c_str());
  }

  // Options of an image request come as query parameters (or multipart
  // fields): allow_specimens, strict, check_expiry (true/false), as_of.
  static Result<verify::VerifyOptions> ImageOptions(const httplib::Request& req) {
    verify::VerifyOptions o;
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (req.has_param(name)) return req.get_param_value(name);
      if (req.has_file(name)) return req.get_file_value(name).content;
      return std::nullopt;
    };
    for (const char* name : {"allow_specimens", "strict", "check_expiry"}) {
      if (auto v = value(name)) {
        if (*v != "true" && *v != "false") {
          return Error{ErrorCode::kInvalidInput, std::string(name) + " must be true or false"};
        }
        (std::string(name) == "allow_specimens" ? o.allow_specimens
         : std::string(name) == "strict"        ? o.strict
                                                : o.check_expiry) = *v == "true";
      }
    }
    if (auto v = value("as_of")) {
      o.as_of = mrz::ParseIsoDate(*v);
      if (!o.as_of) return Error{ErrorCode::kInvalidInput, "as_of must be a date YYYY-MM-DD"};
    }
    return o;
  }

  // Multipart fields besides the image: seal (raw bytes), sod + dg1..dg16
  // (chip data) or card_security (EF.CardSecurity), passport_number.
  // Returns an error message or "".
  static std::string ChipAndSealFields(const httplib::Request& req, verify::VerifyRequest& r) {
    auto bytes = [&](const std::string& name) {
      const std::string& c = req.get_file_value(name).content;
      return std::vector<std::uint8_t>(c.begin(), c.end());
    };
    if (req.has_file("seal")) r.seal = bytes("seal");
    if (req.has_file("passport_number"))
      r.passport_number = req.get_file_value("passport_number").content;
    if (req.has_file("visa_category"))
      r.visa_category = req.get_file_value("visa_category").content;
    bool any_dg = false;
    sig::ChipData chip;
    for (int n = 1; n <= 16; ++n) {
      const std::string name = "dg" + std::to_string(n);
      if (req.has_file(name)) {
        chip.data_groups[n] = bytes(name);
        any_dg = true;
      }
    }
    if (req.has_file("card_security")) {
      if (req.has_file("sod") || any_dg) return "give card_security alone, not with sod or dgN";
      r.chip = sig::ChipData{bytes("card_security"), {}, true};
      if (r.chip->sod.empty()) return "card_security is empty";
      return "";
    }
    if (req.has_file("sod")) {
      chip.sod = bytes("sod");
      r.chip = std::move(chip);
    } else if (any_dg) {
      return "data groups need field sod (EF.SOD)";
    }
    return "";
  }

  void HandleVerify(const httplib::Request& req, httplib::Response& res) {
    const std::string type = MediaType(req);
    Result<verify::VerifyRequest> request = Error{ErrorCode::kInternal, ""};
    if (type == kJsonType) {
      request = ParseVerifyRequestJson(req.body);
    } else if (type == "multipart/form-data" || type.rfind("image/", 0) == 0) {
      verify::VerifyRequest r;
      // A multipart body holds the image, or a seal or chip data alone.
      const bool alone =
          type == "multipart/form-data" && !req.has_file("image") &&
          (req.has_file("seal") || req.has_file("sod") || req.has_file("card_security"));
      if (type == "multipart/form-data") {
        if (!req.has_file("image") && !alone) {
          SendProblem(
              res, 422, "invalid-request", "Invalid request",
              "the multipart body has no field 'image' (or 'seal', 'sod' or 'card_security')");
          return;
        }
        const std::string& content = req.get_file_value("image").content;
        r.image.assign(content.begin(), content.end());
        if (auto e = ChipAndSealFields(req, r); !e.empty()) {
          SendProblem(res, 422, "invalid-request", "Invalid request", e);
          return;
        }
      } else {
        r.image.assign(req.body.begin(), req.body.end());
      }
      Result<verify::VerifyOptions> o = ImageOptions(req);
      if (!o) {
        SendProblem(res, 422, "invalid-request", "Invalid request", o.error().message);
        return;
      }
      r.options = *o;
      if (r.image.empty() && !alone) {
        SendProblem(res, 422, "invalid-request", "Invalid request", "the image is empty");
        return;
      }
      if (alone && r.seal.empty() && !r.chip) {
        SendProblem(res, 422, "invalid-request", "Invalid request", "the seal is empty");
        return;
      }
      request = std::move(r);
    } else {
      SendProblem(res, 415, "unsupported-media-type", "Unsupported media type",
                  "POST /v1/verify takes application/json, multipart/form-data (field image) or "
                  "image/*; got '" +
                      type + "'");
      return;
    }
    if (!request) {
      const std::string& msg = request.error().message;
      if (msg.rfind("malformed JSON", 0) == 0) {
        SendProblem(res, 400, "malformed-json", "Malformed JSON", msg);
      } else {
        SendProblem(res, 422, "invalid-request", "Invalid request", msg);
      }
      return;
    }
    Result<verify::VerificationReport> report = Error{ErrorCode::kInternal, "not run"};
    if (request->image.empty()) {
      report = verifier.Verify(*request);
    } else {
      images.Run([&] { report = verifier.Verify(*request); });
    }
    if (!report) {
      const Error& e = report.error();
      if (e.code == ErrorCode::kInvalidInput) {
        SendProblem(res, 422, request->image.empty() ? "invalid-request" : "invalid-image",
                    request->image.empty() ? "Invalid request" : "Invalid image", e.message);
      } else if (e.code == ErrorCode::kNotFound) {
        SendProblem(res, 422, "no-mrz-found", "No MRZ found", e.message);
      } else if (e.code == ErrorCode::kUnsupported) {
        SendProblem(res, 415, "unsupported", "Unsupported", e.message);
      } else if (e.code == ErrorCode::kUnavailable) {
        SendProblem(res, 503, "unavailable", "Service unavailable", e.message);
      } else {
        Log("error: verify: " + e.message);
        SendProblem(res, 500, "internal", "Internal server error", "the error was logged");
      }
      return;
    }
    if (options.audit != nullptr) {
      const std::string key = KeyManager::KeyIdOf(req.get_header_value("Authorization"));
      Status recorded =
          options.audit->Record(options.audit->VerificationEntry(key.empty() ? "-" : key, *report));
      if (!recorded) {
        Log("error: " + AuditProblem(recorded.error().message));
        SendProblem(res, 503, "unavailable", "Service unavailable",
                    "the check cannot be recorded in the audit trail; it was not answered");
        return;
      }
    }
    metrics.ObserveReport(*report);
    res.set_content(ReportToJson(*report), kJsonType);
  }

  internal::AdminContext Admin() const {
    return internal::AdminContext{options.open_lists, options.trust_dir, options.audit};
  }
  void HandleListsStats(const httplib::Request& req, httplib::Response& res) {
    internal::ListsStats(Admin(), req, res);
  }
  void HandleAddRecord(const httplib::Request& req, httplib::Response& res) {
    internal::ListsAddRecord(Admin(), t_principal, req, res);
  }
  void HandleRemoveRecord(const httplib::Request& req, httplib::Response& res) {
    internal::ListsRemoveRecord(Admin(), t_principal, req, res);
  }
  void HandleChanges(const httplib::Request& req, httplib::Response& res) {
    internal::ListsChanges(Admin(), req, res);
  }
  void HandleTrustList(const httplib::Request& req, httplib::Response& res) {
    internal::TrustList(Admin(), req, res);
  }
  void HandleTrustImport(const httplib::Request& req, httplib::Response& res) {
    internal::TrustImport(Admin(), t_principal, req, res);
  }
  void HandleTrustRemove(const httplib::Request& req, httplib::Response& res) {
    internal::TrustRemove(Admin(), t_principal, req, res);
  }

  internal::ExchangeContext Exchange() const {
    return internal::ExchangeContext{&options.exchange_key,
                                     &options.exchange_published,
                                     options.exchange_max_elements,
                                     options.audit,
                                     &options.feed,
                                     &options.exchange_delta};
  }
  void HandleExchangeEvaluate(const httplib::Request& req, httplib::Response& res) {
    internal::ExchangeEvaluate(Exchange(), t_principal, req, res);
  }
  void HandleFeed(const httplib::Request& req, httplib::Response& res) {
    internal::ExchangeFeed(Exchange(), t_principal, req, res);
  }
  void HandleExchangeOutputs(const httplib::Request& req, httplib::Response& res) {
    internal::ExchangeOutputs(Exchange(), t_principal, req, res);
  }

  void HandleHealth(const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok","version":")" TDV_VERSION R"("})", kJsonType);
  }

  // 200 when every check passes, else 503; the body lists them all.
  void HandleReady(const httplib::Request&, httplib::Response& res) {
    std::vector<ReadyCheck> checks;
    if (options.readiness) checks = options.readiness();
    bool ready = true;
    internal::JsonWriter w;
    w.BeginObject().Key("checks").BeginArray();
    for (const ReadyCheck& c : checks) {
      ready = ready && c.ok;
      w.BeginObject()
          .Member("name", c.name)
          .Member("ok", c.ok)
          .Member("detail", c.detail)
          .EndObject();
    }
    w.EndArray().Member("status", ready ? "ready" : "not_ready").EndObject();
    res.status = ready ? 200 : 503;
    res.set_content(w.Take(), kJsonType);
  }

  void HandleMetrics(const httplib::Request&, httplib::Response& res) {
    std::vector<Gauge> gauges;
    if (options.gauges) gauges = options.gauges();
    res.set_content(metrics.Render(gauges), "text/plain; version=0.0.4");
  }

  // The officer's page: open (it holds no data; every check it makes needs
  // a key), its own assets only, never framed.
  void HandlePage(const httplib::Request& req, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: "
                   "data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                   "base-uri 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-cache");
    if (req.path == "/app.js") {
      res.set_content(internal::kAppJs, "text/javascript; charset=utf-8");
    } else if (req.path == "/app.css") {
      res.set_content(internal::kAppCss, "text/css; charset=utf-8");
    } else {
      res.set_content(internal::kIndexHtml, "text/html; charset=utf-8");
    }
  }

  void HandleScans(const httplib::Request& req, httplib::Response& res) {
    internal::ListScans(options.watch_dir, req, res);
  }
  void HandleScan(const httplib::Request& req, httplib::Response& res) {
    internal::SendScan(options.watch_dir, req, res);
  }

  void HandleOpenApi(const httplib::Request&, httplib::Response& res) {
    res.set_content(internal::kOpenApiJson, kJsonType);
  }

  // The status line, headers and body are written by RunBatch itself, as
  // items finish; what httplib writes afterwards is dropped and the
  // connection closed.
  void HandleBatch(const httplib::Request& req, httplib::Response& res,
                   const httplib::ContentReader& body) {
    const std::string type = MediaType(req);
    if (type != "application/x-ndjson" && type != "application/jsonl" &&
        type != "application/json-lines") {
      SendProblem(res, 415, "unsupported-media-type", "Unsupported media type",
                  "POST /v1/verify/batch takes application/x-ndjson (one verify request a line); "
                  "got '" +
                      type + "'");
      return;
    }
    if (t_stream == nullptr) {
      SendProblem(res, 500, "internal", "Internal server error", "no connection stream");
      return;
    }
    internal::BatchOptions o;
    o.max_items = options.batch_max_items;
    o.max_line_bytes = options.batch_max_line_bytes;
    o.window = options.batch_window;
    o.threads = options.batch_threads;
    const std::string key = KeyManager::KeyIdOf(req.get_header_value("Authorization"));
    internal::BatchCounts counts;
    const bool ok = internal::RunBatch(
        verifier, options.audit, key.empty() ? "-" : key, o, body, *t_stream, counts,
        [this](const verify::VerificationReport& r) { metrics.ObserveReport(r); });
    if (!ok) Log("batch ended early after " + std::to_string(counts.items) + " items");
    t_stream->discard_writes = true;
    CloseAfterResponse(res);
  }

  void HandleAudit(const httplib::Request& req, httplib::Response& res) {
    if (options.audit == nullptr) {
      SendProblem(res, 503, "unavailable", "Service unavailable", "no audit trail configured");
      return;
    }
    lists::TrailQuery q;
    auto number = [&](const char* name, std::int64_t low, std::int64_t high,
                      std::int64_t& out) -> bool {
      if (!req.has_param(name)) return true;
      const std::string v = req.get_param_value(name);
      char* end = nullptr;
      errno = 0;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno != 0 || n < low || n > high) {
        SendProblem(res, 422, "invalid-request", "Invalid request",
                    std::string(name) + " must be an integer " + std::to_string(low) + "-" +
                        std::to_string(high));
        return false;
      }
      out = n;
      return true;
    };
    std::int64_t limit = 100;
    if (!number("after", 0, INT64_MAX, q.after_seq) || !number("limit", 1, 1000, limit)) return;
    q.limit = static_cast<std::size_t>(limit) + 1;  // one more: is there a next page?
    q.from = req.get_param_value("from");
    q.to = req.get_param_value("to");
    q.key_id = req.get_param_value("key");
    q.action = req.get_param_value("action");
    q.verdict = req.get_param_value("verdict");
    q.document = req.get_param_value("document");
    const std::string state = req.get_param_value("state"), type = req.get_param_value("type"),
                      doc_number = req.get_param_value("number");
    if (!state.empty() || !type.empty() || !doc_number.empty()) {
      if (state.empty() || type.empty() || doc_number.empty()) {
        SendProblem(res, 422, "invalid-request", "Invalid request",
                    "state, type and number go together");
        return;
      }
      q.document = options.audit->DocumentHash(state, type.substr(0, 1), doc_number);
    }
    auto entries = options.audit->Query(q);
    if (!entries) {
      Log("error: " + AuditProblem(entries.error().message));
      SendProblem(res, 503, "unavailable", "Service unavailable", "the audit trail cannot be read");
      return;
    }
    const bool more = entries->size() > static_cast<std::size_t>(limit);
    if (more) entries->pop_back();
    res.set_content(AuditToJson(*entries, more), kJsonType);
  }
};

std::string internal::ServeBytes(Server& server, std::string bytes) {
  auto owned = std::make_unique<internal::MemoryStream>(std::move(bytes));
  internal::MemoryStream* stream = owned.get();
  stream->body_limit = server.impl_->options.max_body_bytes;
  std::string out;
  {
    internal::Connection c(-1, std::move(owned));
    // As the reactor would: the next request once its whole header is there.
    for (int i = 0; i < 16; ++i) {
      bool closed = false;
      if (!stream->HeaderReady(closed)) break;
      if (!server.impl_->server.ServeOne(c, false)) break;
    }
    out = stream->out;
    c.linger = false;  // no socket to drain
  }
  return out;
}

Server::Server(const verify::Verifier& verifier, ServerOptions options)
    : impl_(std::make_unique<Impl>(verifier, std::move(options))) {
  impl_->Configure();
}

Server::~Server() { Stop(); }

Status Server::Bind() {
  const ServerOptions& o = impl_->options;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty())
      return Error{ErrorCode::kInvalidInput, "TLS needs both a certificate and its key"};
    auto tls = internal::TlsContext::Create({o.tls_cert_file, o.tls_key_file, o.tls_client_ca_file,
                                             o.tls_require_client_cert, o.tls_ciphers});
    if (!tls) return tls.error();
    impl_->tls = std::move(*tls);
  } else if (!o.tls_client_ca_file.empty() || o.tls_require_client_cert) {
    return Error{ErrorCode::kInvalidInput, "client certificates need TLS (a certificate and key)"};
  }
  if (o.port == 0) {
    impl_->bound_port = impl_->server.bind_to_any_port(o.host);
  } else {
    impl_->bound_port = impl_->server.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (impl_->bound_port < 0) {
    return Error{ErrorCode::kUnavailable,
                 "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                     " (address in use, or not an address of this machine)"};
  }
  // httplib listens with a backlog of 5: a burst of new connections beyond
  // it has its SYNs dropped and the clients retry after a second (p99 of
  // 0.9 s and timeouts at 64 connections). listen() again sets the backlog.
  if (impl_->listen_socket >= 0) ::listen(impl_->listen_socket, kListenBacklog);
  return {};
}

int Server::port() const noexcept { return impl_->bound_port; }

Status Server::Run() {
  if (impl_->bound_port < 0) return Error{ErrorCode::kInternal, "Server::Run() before Bind()"};
  impl_->in_run = true;
  if (impl_->stop_requested) {
    impl_->run_done = true;
    return {};
  }
  const bool ok = impl_->server.listen_after_bind();
  // No more connections come: close the parked ones and let the requests
  // being served finish.
  impl_->reactor->Stop();
  impl_->run_done = true;
  if (!ok && !impl_->stop_requested) {
    return Error{ErrorCode::kUnavailable, "the listening socket failed"};
  }
  return {};
}

void Server::Stop() {
  if (!impl_) return;
  impl_->stop_requested = true;
  if (impl_->in_run) {
    // Wait until httplib is running (so that its stop() takes) or Run() ended.
    while (!impl_->server.is_running() && !impl_->run_done) std::this_thread::yield();
  }
  impl_->server.stop();
}

}  // namespace tdv::http
