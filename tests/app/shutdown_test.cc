// SPDX-License-Identifier: Apache-2.0
// SIGTERM while a request is in flight: `tdv serve` stops accepting, lets
// the request finish (here a streamed batch, answered to its summary), and
// exits 0. SIGKILL while one is in flight: every answer the client had is
// in the audit trail, which verifies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <nlohmann/json.hpp>
#include <string>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

// Sends a batch of `items` copies of one check to POST /v1/verify/batch
// on `port`, reading the answers as they come while it sends; calls
// `progress` with all received so far after each read, until it returns
// false (then keeps reading) or the server closes the connection or ends
// the response. Returns what was received.
template <class Progress>
std::string StreamBatch(int port, const std::string& key, int items, Progress progress) {
  const std::string item =
      nlohmann::json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump() + "\n";
  std::string body;
  for (int i = 0; i < items; ++i) body += item;
  const std::string request =
      "POST /v1/verify/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      key +
      "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  std::size_t sent = 0;
  std::string received;
  char buf[65536];
  bool watching = true;
  while (true) {
    if (sent < request.size()) {
      const ssize_t n =
          ::send(fd, request.data() + sent, std::min<std::size_t>(65536, request.size() - sent),
                 MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) sent = request.size();  // gone
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
    if (n > 0) received.append(buf, static_cast<std::size_t>(n));
    if (watching && n > 0) watching = progress(received);
    if (received.size() > 5 && received.compare(received.size() - 5, 5, "0\r\n\r\n") == 0) break;
    if (n < 0) usleep(200);
  }
  ::close(fd);
  return received;
}

// How many item reports `received` holds.
std::size_t Reports(const std::string& received) {
  std::size_t count = 0;
  for (auto at = received.find("\"report\""); at != std::string::npos;
       at = received.find("\"report\"", at + 1))
    ++count;
  return count;
}

TEST_CASE("tdv serve on SIGTERM finishes the request in flight, then exits 0", "[cli]") {
  tdv::testing::TempDir data;
  tdv::testing::Background server(
      {TDV_BINARY, "serve", "--data", data.path().string(), "--listen", "127.0.0.1:0"},
      data.path() / "serve.log");
  const int port = tdv::testing::ServePort(data.path() / "serve.log");
  REQUIRE(port != 0);
  constexpr int kItems = 30000;
  bool signalled = false;
  // SIGTERM once the first answers are back.
  const std::string received =
      StreamBatch(port, tdv::testing::AdminKey(data.path()), kItems, [&](const std::string& r) {
        if (r.find("\"report\"") == std::string::npos) return true;
        server.Signal(SIGTERM);
        signalled = true;
        return false;
      });
  REQUIRE(signalled);
  CHECK(received.find("{\"summary\":{\"items\":" + std::to_string(kItems)) != std::string::npos);
  CHECK(server.Wait(10000) == 0);
  CHECK(tdv::testing::ReadFile(data.path() / "serve.log").find("stopped") != std::string::npos);
  // New connections are refused once it has stopped.
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int again = ::socket(AF_INET, SOCK_STREAM, 0);
  CHECK(::connect(again, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0);
  ::close(again);
}

TEST_CASE("kill -9 of tdv serve during a batch: every answer received has its audit entry",
          "[cli][faults]") {
  tdv::testing::TempDir data;
  std::size_t answered = 0;
  // Killed at three points of three batches, restarted on the same data
  // each time: the chain goes on across the crashes.
  for (std::size_t kill_after : {1u, 400u, 3000u}) {
    tdv::testing::Serving serving(TDV_BINARY, data.path());
    REQUIRE(serving.port != 0);
    bool killed = false;
    const std::string received = StreamBatch(serving.port, tdv::testing::AdminKey(data.path()),
                                             20000, [&](const std::string& r) {
                                               if (Reports(r) < kill_after) return true;
                                               serving.process.Signal(SIGKILL);
                                               killed = true;
                                               return false;
                                             });
    INFO("killed after " << kill_after << " answers: " << Reports(received) << " received");
    REQUIRE(killed);
    CHECK(serving.process.Wait(10000) == -1);  // died of the signal
    CHECK(received.find("\"summary\"") == std::string::npos);
    answered += Reports(received);
  }
  const std::string d = data.path().string();
  tdv::testing::ProcessResult r =
      tdv::testing::Run({TDV_BINARY, "audit", "verify", "--data", d, "--json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["intact"] == true);
  r = tdv::testing::Run({TDV_BINARY, "audit", "show", "--data", d, "--action", "verify", "--limit",
                         "100000", "--json"});
  REQUIRE(r.exit_code == 0);
  // Entries made but not yet sent may be more; an answer without one, never.
  const std::size_t entries = nlohmann::json::parse(r.out)["entries"].size();
  INFO(answered << " answers received, " << entries << " entries");
  CHECK(entries >= answered);
  CHECK(answered >= 3400);
}

}  // namespace
}  // namespace tdv::app
