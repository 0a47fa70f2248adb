// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a partner's signed feed answer (tdv/http/feed.h, mode 2), as
// agency B reads what GET /v1/feeds/{list} sent it. Any bytes must give a
// feed or a refusal, never a crash; a feed taken must be the one asked for
// (partner, list, since) with whole entries. The signer below is a
// throwaway test certificate (its key is not kept); corpus/valid is an
// answer it signed.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "feed_fuzz_checks.h"
#include "tdv/http/feed.h"

namespace {

const char kSigner[] = R"(-----BEGIN CERTIFICATE-----
MIIBrjCCAVOgAwIBAgIUeJRZEIiC3ufiF0u3dHm2m0HA4lUwCgYIKoZIzj0EAwIw
KzEpMCcGA1UEAwwgVERWIGZ1enogZmVlZCBzaWduZXIgKHRlc3Qgb25seSkwIBcN
MjYxMjA3MTE1MjEzWhgPMjEyNjExMTMxMTUyMTNaMCsxKTAnBgNVBAMMIFREViBm
dXp6IGZlZWQgc2lnbmVyICh0ZXN0IG9ubHkpMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEkabU5Uz7oeiHeqegP3v910v3iqJL8WqEoml3RXJhmcBy3gu95Oum6/+I
93SNiBgmAQkV6uGj2BkgkDiXG3mHR6NTMFEwHQYDVR0OBBYEFCClfaP+4zCgweoC
ccVDHukF0pTfMB8GA1UdIwQYMBaAFCClfaP+4zCgweoCccVDHukF0pTfMA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAPTcxafFQz8Ou0z+k/TUE8dW
Mo2Qkpk9svOSUbeV7siPAiEAtPcYpZ9r8JQ4jvYc229chpUfM5yvqMXV/Is+NNry
rCM=
-----END CERTIFICATE-----
)";

const tdv::sig::SignerTrust& Trust() {
  static const std::unique_ptr<tdv::sig::SignerTrust> trust = [] {
    const auto file = std::filesystem::temp_directory_path() /
                      ("fuzz_feed_answer." + std::to_string(::getpid()) + ".pem");
    std::ofstream(file) << kSigner;
    auto t = tdv::sig::SignerTrust::Load(file.string());
    std::filesystem::remove(file);
    if (!t) std::abort();
    return std::move(*t);
  }();
  return *trust;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string answer(reinterpret_cast<const char*>(data), size);
  const tdv::http::FeedExpectation expect{"b0b0b0b0b0b0b0b0", "sltd", 0, std::nullopt};
  const auto result = tdv::http::OpenFeedAnswer(answer, Trust(), expect);
  const auto* feed = tdv::fuzz::RequireAsAsked(result, expect);
  if (feed != nullptr && feed->set && feed->set->lists().size() != 1) std::abort();
  return 0;
}
