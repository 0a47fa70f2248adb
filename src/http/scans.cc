// SPDX-License-Identifier: Apache-2.0
#include "scans.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

#include "http_util.h"

namespace tdv::http::internal {
namespace {

namespace fs = std::filesystem;

// A scan's place in the order: modified time (ns since the epoch), then name.
struct Scan {
  std::int64_t modified_ns = 0;
  std::string name;
  std::uintmax_t size = 0;
};

std::string CursorOf(const Scan& s) { return std::to_string(s.modified_ns) + ":" + s.name; }

const char* TypeOf(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".png") return "image/png";
  if (ext == ".bmp") return "image/bmp";
  return nullptr;
}

bool NoFolder(const std::string& dir, httplib::Response& res) {
  if (!dir.empty()) return false;
  SendProblem(res, 404, "not-watching", "No scanner folder",
              "no folder is watched (start the service with tdv serve --watch DIR)");
  return true;
}

}  // namespace

void ListScans(const std::string& dir, const httplib::Request& req, httplib::Response& res) {
  if (NoFolder(dir, res)) return;
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  std::vector<Scan> scans;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || TypeOf(name) == nullptr) continue;
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    // The modified time from stat(): nanoseconds since 1970 (the
    // filesystem clock's epoch is the library's own).
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    const std::int64_t ns = std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    if (now_ns - ns < 1000000000) continue;  // may still be being written
    scans.push_back({ns, name, static_cast<std::uintmax_t>(st.st_size)});
  }
  if (ec) {
    SendProblem(res, 503, "unavailable", "Service unavailable",
                "the scanner folder cannot be read: " + ec.message());
    return;
  }
  std::sort(scans.begin(), scans.end(), [](const Scan& a, const Scan& b) {
    return a.modified_ns != b.modified_ns ? a.modified_ns < b.modified_ns : a.name < b.name;
  });
  nlohmann::json list = nlohmann::json::array();
  // Without a cursor: now (what was written before is not news; a file
  // still being written now is, once it is complete).
  std::string cursor = std::to_string(now_ns) + ":";
  if (req.has_param("after")) {
    const std::string after = req.get_param_value("after");
    const auto colon = after.find(':');
    Scan from;
    try {
      from.modified_ns = std::stoll(after.substr(0, colon));
    } catch (...) {
      SendProblem(res, 422, "invalid-request", "Invalid request",
                  "after must be a cursor from an earlier answer");
      return;
    }
    from.name = colon == std::string::npos ? "" : after.substr(colon + 1);
    cursor = after;
    for (const Scan& s : scans) {
      if (s.modified_ns < from.modified_ns ||
          (s.modified_ns == from.modified_ns && s.name <= from.name))
        continue;
      list.push_back({{"name", s.name}, {"size", s.size}, {"modified_ns", s.modified_ns}});
      cursor = CursorOf(s);
    }
  }
  res.set_header("Cache-Control", "no-store");
  res.set_content(nlohmann::json{{"scans", list}, {"cursor", cursor}}.dump(), kJsonType);
}

void SendScan(const std::string& dir, const httplib::Request& req, httplib::Response& res) {
  if (NoFolder(dir, res)) return;
  const std::string name = req.matches[1];
  const char* type = TypeOf(name);
  std::ifstream in(fs::path(dir) / name, std::ios::binary);
  if (type == nullptr || name.find('/') != std::string::npos || name[0] == '.' || !in) {
    SendProblem(res, 404, "not-found", "Not found", "no scan '" + name + "' in the folder");
    return;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(bytes), type);
}

}  // namespace tdv::http::internal
