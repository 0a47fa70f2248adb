// SPDX-License-Identifier: Apache-2.0
// What the HTTP tests share: a real Server on a free loopback port with a
// real httplib client, problem+json checks, and a key store on a real
// SQLite file.
#ifndef TDV_TESTS_HTTP_LIVE_SERVER_H_
#define TDV_TESTS_HTTP_LIVE_SERVER_H_

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "catch.h"
#include "process.h"
#include "tdv/http/keys.h"
#include "tdv/http/server.h"
#include "tdv/lists/key_store.h"

namespace tdv::http {

using nlohmann::json;

class LiveServer {
 public:
  explicit LiveServer(ServerOptions options = {}, verify::VerifierConfig config = Config())
      : verifier_(std::move(config)) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 4;
    options.access_log = false;
    server_ = std::make_unique<Server>(verifier_, options);
    REQUIRE(server_->Bind().has_value());
    thread_ = std::thread([this] { (void)server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_connection_timeout(5);
    client_->set_read_timeout(30);  // an image under a loaded CI machine
  }
  ~LiveServer() {
    server_->Stop();
    thread_.join();
  }
  httplib::Client& client() { return *client_; }
  int port() const { return server_->port(); }

 public:
  static verify::VerifierConfig Config() {
    verify::VerifierConfig c;
    c.today = [] { return mrz::CivilDate{2011, 1, 1}; };
    return c;
  }

 private:
  verify::Verifier verifier_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

// Checks a problem+json answer and returns its body.
inline json Problem(const httplib::Result& res, int status) {
  REQUIRE(res);
  CHECK(res->status == status);
  CHECK(res->get_header_value("Content-Type") == "application/problem+json");
  json body = json::parse(res->body);
  CHECK(body["status"] == status);
  CHECK(body["type"].get<std::string>().rfind("urn:tdv:problem:", 0) == 0);
  CHECK(body.contains("title"));
  CHECK(body.contains("detail"));
  return body;
}

struct KeyFixture {
  tdv::testing::TempDir dir;
  std::unique_ptr<lists::KeyStore> store = Open(dir);
  KeyManager keys{*store};
  std::string file() const { return (dir.path() / "lists.db").string(); }
  static std::unique_ptr<lists::KeyStore> Open(const tdv::testing::TempDir& d) {
    auto opened = lists::OpenSqliteKeyStore((d.path() / "lists.db").string());
    REQUIRE(opened.has_value());
    return std::move(*opened);
  }
};

}  // namespace tdv::http

#endif  // TDV_TESTS_HTTP_LIVE_SERVER_H_
