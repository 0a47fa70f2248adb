// SPDX-License-Identifier: Apache-2.0
// `cmake --install` lays out a working TDV: the binary, the models where it
// finds them, the docs and licence, and a hardened systemd unit. The
// installed binary reads an image and serves, with its own models.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "catch.h"
#include "process.h"

namespace tdv::app {
namespace {

TEST_CASE("cmake --install lays out the binary, models, docs and a hardened unit",
          "[cli][install]") {
  tdv::testing::TempDir prefix, data;
  auto r = tdv::testing::Run(
      {TDV_CMAKE, "--install", TDV_BUILD_DIR, "--prefix", prefix.path().string()});
  INFO(r.out + r.err);
  REQUIRE(r.exit_code == 0);
  const auto& p = prefix.path();
  for (const char* f :
       {"bin/tdv", "share/tdv/models/mrz.traineddata", "share/tdv/models/mrz_glyphs.yml.gz",
        "share/tdv/models/mrz_crnn.onnx", "share/tdv/models/mrz_crnn_2.onnx",
        "share/tdv/models/mrz_crnn_3.onnx", "share/doc/tdv/LICENSE", "share/doc/tdv/README.md",
        "share/doc/tdv/docs/api.md", "share/doc/tdv/docs/openapi.json",
        "lib/systemd/system/tdv.service"}) {
    INFO(f);
    CHECK(std::filesystem::exists(p / f));
  }
  const std::string unit = tdv::testing::ReadFile(p / "lib/systemd/system/tdv.service");
  for (const char* line :
       {"ExecStart=", "DynamicUser=yes", "StateDirectory=tdv", "NoNewPrivileges=yes",
        "ProtectSystem=strict", "CapabilityBoundingSet=\n", "KillSignal=SIGTERM",
        "SystemCallFilter=@system-service"}) {
    INFO(line);
    CHECK(unit.find(line) != std::string::npos);
  }
  CHECK(tdv::testing::ReadFile(p / "share/doc/tdv/LICENSE").find("Apache License") !=
        std::string::npos);

  // The installed binary reads an image with the installed models ...
  const std::string tdv = (p / "bin/tdv").string();
  r = tdv::testing::Run({tdv, "check", "--data", data.path().string(), "--json", "--as-of",
                         "2026-01-01",
                         std::string(TDV_SOURCE_DIR) + "/samples/images/td3-moderate-001.jpg"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);  // the sample expired in 2016
  const auto read = nlohmann::json::parse(r.out);
  CHECK(read["mrz_source"] == "image");
  CHECK(read["mrz"]["fields"]["expiry_date"] == "2016-12-28");
  // ... and says where they are when it serves.
  tdv::testing::Background server(
      {tdv, "serve", "--data", data.path().string(), "--listen", "127.0.0.1:0"},
      data.path() / "serve.log");
  const int port = tdv::testing::ServePort(data.path() / "serve.log");
  REQUIRE(port != 0);
  httplib::Client client("127.0.0.1", port);
  auto ready = client.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  const auto checks = nlohmann::json::parse(ready->body)["checks"];
  CHECK(checks[0]["name"] == "model");
  CHECK(checks[0]["detail"].get<std::string>().find((p / "share/tdv/models").string()) !=
        std::string::npos);
  server.Signal(SIGTERM);
  CHECK(server.Wait(5000) == 0);
}

}  // namespace
}  // namespace tdv::app
