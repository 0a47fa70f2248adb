// SPDX-License-Identifier: Apache-2.0
// SIGTERM while a request is in flight: `tdv serve` stops accepting, lets
// the request finish (here a streamed batch, answered to its summary), and
// exits 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <string>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::app {
namespace {

TEST_CASE("tdv serve on SIGTERM finishes the request in flight, then exits 0", "[cli]") {
  tdv::testing::TempDir data;
  tdv::testing::Background server(
      {TDV_BINARY, "serve", "--data", data.path().string(), "--listen", "127.0.0.1:0"},
      data.path() / "serve.log");
  const int port = tdv::testing::ServePort(data.path() / "serve.log");
  REQUIRE(port != 0);
  const std::string key = tdv::testing::AdminKey(data.path());
  constexpr int kItems = 30000;
  const std::string item =
      nlohmann::json{{"mrz", testing::kTd3Specimen}, {"allow_specimens", true}}.dump() + "\n";
  std::string body;
  for (int i = 0; i < kItems; ++i) body += item;
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
  bool signalled = false;
  // Send and read by turns; SIGTERM once the first answers are back.
  while (true) {
    if (sent < request.size()) {
      const ssize_t n =
          ::send(fd, request.data() + sent, std::min<std::size_t>(65536, request.size() - sent),
                 MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) received.append(buf, static_cast<std::size_t>(n));
    if (!signalled && received.find("\"report\"") != std::string::npos) {
      server.Signal(SIGTERM);
      signalled = true;
    }
    if (received.size() > 5 && received.compare(received.size() - 5, 5, "0\r\n\r\n") == 0) break;
    if (n < 0) usleep(200);
  }
  ::close(fd);
  REQUIRE(signalled);
  CHECK(received.find("{\"summary\":{\"items\":" + std::to_string(kItems)) != std::string::npos);
  CHECK(server.Wait(10000) == 0);
  CHECK(tdv::testing::ReadFile(data.path() / "serve.log").find("stopped") != std::string::npos);
  // New connections are refused once it has stopped.
  const int again = ::socket(AF_INET, SOCK_STREAM, 0);
  CHECK(::connect(again, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0);
  ::close(again);
}

}  // namespace
}  // namespace tdv::app
