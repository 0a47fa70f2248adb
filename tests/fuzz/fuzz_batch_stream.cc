// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the NDJSON stream of POST /v1/verify/batch as the server
// reads it (RunBatch), with small limits so that they are reached: lines
// over the line limit, more items than the item limit, blank lines, CR LF,
// a last line without its newline, bytes that are not JSON. Input byte 0
// sets how the body is cut into reads (lines split across them at every
// point). The response must be a whole chunked stream of JSON objects
// ending in one summary whose counts add up: never a crash, a hang or a
// lost item.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "batch.h"
#include "tdv/verify/verifier.h"

namespace {

// The response as the client would receive it.
class StringStream final : public httplib::Stream {
 public:
  bool is_readable() const override { return false; }
  bool is_writable() const override { return true; }
  ssize_t read(char*, size_t) override { return -1; }
  ssize_t write(const char* ptr, size_t size) override {
    out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return -1; }
  std::string out;
};

// The body of a chunked response; aborts on anything malformed.
std::string Dechunk(std::string_view s) {
  const std::size_t head = s.find("\r\n\r\n");
  if (head == std::string_view::npos) std::abort();
  std::size_t at = head + 4;
  std::string body;
  while (true) {
    const std::size_t eol = s.find("\r\n", at);
    if (eol == std::string_view::npos) std::abort();
    const std::size_t size = std::stoul(std::string(s.substr(at, eol - at)), nullptr, 16);
    at = eol + 2;
    if (size == 0) break;
    if (at + size + 2 > s.size() || s.substr(at + size, 2) != "\r\n") std::abort();
    body.append(s.substr(at, size));
    at += size + 2;
  }
  if (s.substr(at) != "\r\n") std::abort();
  return body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const tdv::verify::Verifier verifier([] {
    tdv::verify::VerifierConfig c;
    c.allow_specimens = true;
    return c;
  }());
  const std::size_t cut = data[0] % 37 + 1;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  tdv::http::internal::BatchOptions options;
  options.max_items = 12;
  options.max_line_bytes = 600;
  options.window = 3;
  options.threads = 2;
  const httplib::ContentReader reader(
      [&](const httplib::ContentReceiver& receive) {
        // Reads of varying size: cut, 1, 2 x cut, 1, ...
        for (std::size_t at = 0, n = 0; at < body.size(); ++n) {
          const std::size_t len = std::min(body.size() - at, n % 2 == 1 ? 1 : cut * (1 + n % 4));
          if (!receive(body.data() + at, len)) return true;
          at += len;
        }
        return true;
      },
      [](const httplib::MultipartContentHeader&, const httplib::ContentReceiver&) {
        return false;
      });
  StringStream out;
  tdv::http::internal::BatchCounts counts;
  if (!tdv::http::internal::RunBatch(verifier, nullptr, "fuzz", options, reader, out, counts,
                                     [](const tdv::verify::VerificationReport&) {}))
    std::abort();  // no audit trail, a client that reads all: it must finish
  const std::string ndjson = Dechunk(out.out);
  std::size_t reports = 0, start = 0;
  nlohmann::json last;
  while (start < ndjson.size()) {
    const std::size_t nl = ndjson.find('\n', start);
    if (nl == std::string::npos) std::abort();  // every line ends
    last = nlohmann::json::parse(ndjson.substr(start, nl - start), nullptr, false);
    if (!last.is_object()) std::abort();
    reports += last.contains("report");
    start = nl + 1;
  }
  if (!last.contains("summary")) std::abort();
  const auto& s = last["summary"];
  const std::size_t items = s["items"], clear = s["clear"], review = s["review"],
                    reject = s["reject"], errors = s["errors"];
  if (items != counts.items || items > options.max_items) std::abort();
  if (clear + review + reject + errors != items || reports != clear + review + reject) std::abort();
  return 0;
}
