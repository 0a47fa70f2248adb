// SPDX-License-Identifier: Apache-2.0
// The TDV HTTP service.
//
// Routes (Routes() lists them; docs/api.md documents the bodies and
// GET /openapi.json describes them):
//   GET  /healthz          liveness: {"status":"ok","version":...}
//   GET  /readyz           readiness: each check of ServerOptions::readiness;
//                          503 when one fails
//   GET  /metrics          Prometheus text: requests, latencies, verdicts ...
//   GET  /openapi.json     the OpenAPI 3.1 document of the API
//   POST /v1/verify        application/json verify request -> VerificationReport
//                          (role officer, integrator or admin); recorded in the
//                          audit trail before the answer is sent
//   POST /v1/verify/batch  NDJSON verify requests -> NDJSON answers, both
//                          streamed (role integrator or admin; see batch.h)
//   GET  /v1/audit         audit entries, oldest first (role auditor or admin);
//                          filters after, limit, from, to, key, action, verdict,
//                          document or state+type+number
//   /v1/lists..., /v1/trust...  administration as on the CLI (list-admin,
//                          admin; see src/http/admin.h)
//   /v1/exchange/...       a partner agency's checks against the lists this
//                          instance shares (partner; src/http/exchange.h)
// Every error answers with an application/problem+json body: 400 malformed
// JSON, 401 no valid key, 403 a key whose role may not use the route, 429 a
// key over its rate (with Retry-After), 422 a well-formed request TDV cannot
// act on, 404 unknown route, 405 a known route with another method (with
// Allow), 411 a chunked body where only a sized one is taken, 413 body too
// large, 415 wrong content type, 503 the key store or another dependency
// unavailable, 500 a bug (logged).
//
// Limits are explicit: body size, batch items and line size, read/write
// timeouts, keep-alive, and the worker-thread count.
//
// Thread safety: Stop() may be called from any thread (a signal handler's
// thread, a test); the other members from the owning thread.
#ifndef TDV_HTTP_SERVER_H_
#define TDV_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/http/keys.h"
#include "tdv/lists/list_store.h"
#include "tdv/mrz/result.h"
#include "tdv/verify/audit.h"
#include "tdv/verify/exchange.h"
#include "tdv/verify/verifier.h"

namespace tdv::http {

// One check of GET /readyz: "model", "lists", "trust" ...; `ok` false makes
// the instance not ready (503).
struct ReadyCheck {
  std::string name;
  bool ok = true;
  std::string detail;
};

// A gauge for GET /metrics: name (tdv_...), labels as `k="v",...` (or ""),
// value, and the help text of its name.
struct Gauge {
  std::string name, labels;
  double value = 0;
  std::string help;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port (see Server::port())
  std::size_t max_body_bytes = 16u << 20;
  // A worker waits for one request's bytes no longer than the read timeout
  // plus a second for every min_body_rate bytes read (a large body sent a
  // few bytes at a time would hold it for hours); beyond, the request ends
  // (400, logged). 8 KiB/s is 64 kbit/s: slower links cannot send a photo
  // in time anyway. 0: only the read timeout.
  std::size_t min_body_rate = 8192;
  // Requests with a body over 64 kB (or streamed) one key may have in
  // progress at once, each holding a worker while its body arrives; beyond,
  // 429 on the header. 0: half of `threads` (at least 1), so that one key
  // sending large bodies slowly leaves the other keys half the workers.
  std::size_t max_in_flight_per_key = 0;
  int threads = 16;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_seconds = 5;
  bool access_log = true;  // one line per request on stderr: address, key id, route, status
  // Requests other than GET /healthz need a key whose role allows the route
  // (401 without a valid key, 403 with a key of another role), checked on
  // the headers before any body is read. nullptr: no keys are asked for
  // (tests of other behaviour; `tdv serve` always sets it). Must outlive
  // the server.
  const KeyManager* keys = nullptr;
  // Requests per second a key of a role may make (token bucket, burst of
  // two seconds' worth); beyond it 429 with Retry-After. Roles not named are
  // not limited. Applies only with `keys`.
  std::map<std::string, double> rate_per_second_by_role;
  // Every verification is recorded here before its answer is sent (503 when
  // it cannot be); GET /v1/audit reads it. nullptr: no trail (tests of other
  // behaviour; `tdv serve` always sets it). Must outlive the server.
  verify::AuditTrail* audit = nullptr;
  // TLS: with a certificate (PEM, the server's first, then its chain) and
  // its key, every connection is TLS 1.2 or later. With client_ca_file,
  // client certificates from those CAs are asked for and verified (a wrong
  // one fails the handshake); require_client_cert refuses clients without
  // one. Bind() reports a certificate or key that cannot be used.
  std::string tls_cert_file, tls_key_file, tls_client_ca_file;
  bool tls_require_client_cert = false;
  // TLS 1.2 cipher suites (OpenSSL list syntax); "": Mozilla's intermediate
  // profile, AEAD suites only.
  std::string tls_ciphers;
  // POST /v1/verify/batch: items per request (beyond: an error line and the
  // end of the batch), bytes per item line, items between reading and
  // answering, verifying threads per batch.
  std::size_t batch_max_items = 10000000;
  std::size_t batch_max_line_bytes = 16u << 20;
  std::size_t batch_window = 1024;
  int batch_threads = 2;
  // GET /readyz asks these (empty: ready once serving); GET /metrics adds
  // these gauges (list records and ages ...). Called from request threads.
  std::function<std::vector<ReadyCheck>()> readiness;
  std::function<std::vector<Gauge>()> gauges;
  // The administration routes (docs/api.md): a new connection to the list
  // store for each request that changes or reads lists, and the trust
  // store's directory. Unset: those routes answer 503.
  std::function<Result<std::unique_ptr<lists::ListStore>>()> open_lists;
  std::string trust_dir;
  // The scanner folder the officer's page follows (GET /v1/scans); empty:
  // none (those routes answer 404).
  std::string watch_dir;
  // The partner exchange, agency A's side (docs/exchange.md): this
  // instance's OPRF key (sig/oprf.h) and the outputs it publishes for the
  // lists it shares (nullptr while they are being built: 503). An empty key:
  // the exchange routes answer 404. Called from request threads.
  std::vector<std::uint8_t> exchange_key;
  std::function<std::shared_ptr<const verify::exchange::PublishedSet>()> exchange_published;
  // What changed in the outputs since the publication of sequence `since`
  // (GET /v1/exchange/outputs?since=SEQ); nullopt (or an empty function)
  // when that is not known: the outputs are then answered whole.
  std::function<std::optional<verify::exchange::SetDelta>(std::int64_t since)> exchange_delta;
  // Blinded elements one POST /v1/exchange/evaluate takes (a document's
  // probes are 2 to 8).
  std::size_t exchange_max_elements = 64;
  // Mode 2 (docs/exchange.md): list `list`'s signed feed for the partner
  // whose key id is `partner`, as the answer's JSON; since: the sequence the
  // partner holds; changes: the change cursor its copy reflects (0: none,
  // the feed whole). Empty function: GET /v1/feeds/{list} answers 404.
  // kNotFound for a list not shared.
  std::function<Result<std::string>(const std::string& list, const std::string& partner,
                                    std::int64_t since, std::int64_t changes)>
      feed;
};

// A route: its method, its path as OpenAPI writes it, and the permission it
// needs ("verify", "batch", "audit" ...; "" for an open route).
struct RouteInfo {
  std::string method, path, permission;
};
// Every route the server registers, in order.
const std::vector<RouteInfo>& Routes();

struct ListenAddress {
  std::string host;
  int port = 0;
};

// Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (host 127.0.0.1).
// kInvalidInput for anything else or a port outside 0-65535.
Result<ListenAddress> ParseListenAddress(std::string_view text);

class Server;

namespace internal {
// Serves the requests in `bytes` as one connection would bring them, with
// no socket, and returns what the server wrote: the HTTP fuzz target's way
// in (tests/fuzz/fuzz_http_request.cc). Not for production use.
std::string ServeBytes(Server& server, std::string bytes);
}  // namespace internal

class Server {
 public:
  // `verifier` must outlive the server.
  Server(const verify::Verifier& verifier, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket. kUnavailable when the address is taken or
  // cannot be bound.
  Status Bind();
  // The bound port (after Bind()).
  int port() const noexcept;
  // Serves until Stop(). Requires a successful Bind().
  Status Run();
  // Stops accepting, lets running requests finish, and makes Run() return.
  void Stop();

 private:
  friend std::string internal::ServeBytes(Server& server, std::string bytes);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tdv::http

#endif  // TDV_HTTP_SERVER_H_
