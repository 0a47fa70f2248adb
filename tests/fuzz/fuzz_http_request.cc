// SPDX-License-Identifier: Apache-2.0
// Fuzz target: whole HTTP requests as a connection brings them to the
// server (request line, headers, Content-Length and chunked bodies,
// several pipelined on one connection), served by the real route table and
// handlers (internal::ServeBytes, no socket) with the body and header limits
// set small so that they are reached. No keys are configured, so every
// route's handler is reachable. Never a crash, a hang or a leak; whatever is
// answered starts with an HTTP/1.1 status line. TDV_FUZZ_PRINT=1 prints
// what was answered (to see what a corpus file reaches).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tdv/http/server.h"
#include "tdv/verify/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tdv::verify::Verifier verifier([] {
    tdv::verify::VerifierConfig c;
    c.allow_specimens = true;
    return c;
  }());
  static tdv::http::Server server(verifier, [] {
    tdv::http::ServerOptions o;
    o.access_log = false;
    o.max_body_bytes = 4096;
    return o;
  }());
  const std::string out = tdv::http::internal::ServeBytes(
      server, std::string(reinterpret_cast<const char*>(data), size));
  if (std::getenv("TDV_FUZZ_PRINT") != nullptr) std::fwrite(out.data(), 1, out.size(), stdout);
  if (out.empty()) return 0;  // nothing whole enough to answer
  if (out.rfind("HTTP/1.1 ", 0) != 0 || out.size() < 12) std::abort();
  const int status = std::atoi(out.c_str() + 9);
  if (status < 100 || status > 599) std::abort();
  return 0;
}
