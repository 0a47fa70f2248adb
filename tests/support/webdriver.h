// SPDX-License-Identifier: Apache-2.0
// A real headless Chromium, driven over the W3C WebDriver protocol by
// Debian's chromedriver (started here on a free loopback port, stopped on
// destruction). Just what the page tests need: open a page, find elements
// by CSS selector, type, click, read text, run a script, take a screenshot.
#ifndef TDV_TESTS_SUPPORT_WEBDRIVER_H_
#define TDV_TESTS_SUPPORT_WEBDRIVER_H_

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "process.h"

namespace tdv::testing {

inline int FreeLoopbackPort() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(s);
  return port;
}

class Browser {
 public:
  static constexpr const char* kDriver = "/usr/bin/chromedriver";
  static constexpr const char* kChromium = "/usr/bin/chromium";

  explicit Browser(const std::filesystem::path& log_dir)
      : port_(FreeLoopbackPort()),
        driver_({kDriver, "--port=" + std::to_string(port_)}, log_dir / "chromedriver.log"),
        http_("127.0.0.1", port_) {
    if (!std::filesystem::exists(kDriver) || !std::filesystem::exists(kChromium))
      throw std::runtime_error(
          "chromium and chromium-driver are needed (scripts/dev.sh test installs them)");
    http_.set_read_timeout(60, 0);
    for (int i = 0; i < 100 && !http_.Get("/status"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const nlohmann::json caps = {
        {"capabilities",
         {{"alwaysMatch",
           {{"browserName", "chrome"},
            {"goog:chromeOptions",
             {{"binary", kChromium},
              {"args",
               {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--no-first-run"}}}}}}}}};
    session_ = Call("POST", "/session", caps)["sessionId"].get<std::string>();
  }
  ~Browser() {
    if (!session_.empty()) http_.Delete("/session/" + session_);
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  void Open(const std::string& url) { Call("POST", S("/url"), {{"url", url}}); }

  // The element's id for the calls below; throws if there is none.
  std::string Find(const std::string& css) {
    const auto v = Call("POST", S("/element"), {{"using", "css selector"}, {"value", css}});
    return v.begin()->get<std::string>();
  }
  bool Exists(const std::string& css) {
    return !Call("POST", S("/elements"), {{"using", "css selector"}, {"value", css}}).empty();
  }
  void Type(const std::string& css, const std::string& text) {
    Call("POST", S("/element/" + Find(css) + "/value"), {{"text", text}});
  }
  void Click(const std::string& css) {
    Call("POST", S("/element/" + Find(css) + "/click"), nlohmann::json::object());
  }
  std::string Text(const std::string& css) {
    return Call("GET", S("/element/" + Find(css) + "/text")).get<std::string>();
  }
  bool Displayed(const std::string& css) {
    return Exists(css) && Call("GET", S("/element/" + Find(css) + "/displayed")).get<bool>();
  }
  nlohmann::json Script(const std::string& body, nlohmann::json args = nlohmann::json::array()) {
    return Call("POST", S("/execute/sync"), {{"script", body}, {"args", args}});
  }
  // Waits up to `seconds` for `css` to be displayed.
  bool WaitDisplayed(const std::string& css, int seconds = 20) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (Displayed(css)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // A PNG of the window.
  std::string Screenshot() {
    const std::string b64 = Call("GET", S("/screenshot")).get<std::string>();
    std::string out;
    int val = 0, bits = -8;
    for (unsigned char c : b64) {
      const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      const char* p = std::strchr(alphabet, c);
      if (c == '=' || p == nullptr || c == 0) continue;
      val = (val << 6) + static_cast<int>(p - alphabet);
      bits += 6;
      if (bits >= 0) {
        out.push_back(static_cast<char>((val >> bits) & 0xFF));
        bits -= 8;
      }
    }
    return out;
  }

 private:
  std::string S(const std::string& path) const { return "/session/" + session_ + path; }

  nlohmann::json Call(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr) {
    httplib::Result r =
        method == "GET" ? http_.Get(path) : http_.Post(path, body.dump(), "application/json");
    if (!r) throw std::runtime_error("chromedriver did not answer " + method + " " + path);
    const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status != 200 || j.is_discarded())
      throw std::runtime_error("webdriver " + method + " " + path + ": " + r->body.substr(0, 500));
    return j["value"];
  }

  int port_;
  Background driver_;
  httplib::Client http_;
  std::string session_;
};

}  // namespace tdv::testing

#endif  // TDV_TESTS_SUPPORT_WEBDRIVER_H_
