// SPDX-License-Identifier: Apache-2.0
// Agency B's side of the partner exchange (docs/exchange.md): the partners
// named in the configuration, each with its published outputs as last
// fetched, checked for every document (verify::PartnerSource). `tdv check`
// and `tdv bulk` fetch the outputs once at start; `tdv serve` fetches them
// at start and every partners_refresh_seconds on a thread of its own,
// without holding its start up. A partner whose outputs were never fetched
// is unavailable, never a pass; one whose fetch failed after an earlier one
// is checked against the outputs it has, their age in the report.
#ifndef TDV_APP_PARTNERS_H_
#define TDV_APP_PARTNERS_H_

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config.h"
#include "periodic.h"
#include "tdv/http/feed.h"
#include "tdv/http/partner_client.h"
#include "tdv/sig/signed_data.h"
#include "tdv/verify/verifier.h"

namespace tdv::app {

class Partners {
 public:
  // Reads each partner's key file: kUnavailable naming the file when one
  // cannot be read or holds no key.
  // Each feed partner's feed key and signer certificates too, and the copy
  // of its feed kept in DATA/feeds (checked again: a copy altered on disk
  // leaves the partner unavailable, never a pass).
  static Result<std::unique_ptr<Partners>> Open(const Config& config);
  ~Partners();
  Partners(const Partners&) = delete;
  Partners& operator=(const Partners&) = delete;

  // Fetches every partner's outputs (a feed partner's feed) now, one after
  // the other; each failure is kept (and logged to `log`) as that
  // partner's state.
  void Refresh(std::ostream& log);
  // The same for a one-shot command (`tdv check`, `tdv bulk`): a feed
  // partner's kept copy younger than partners_refresh_seconds is used as
  // it is, not fetched again (a feed is for checking offline: an
  // unreachable partner cost each check its timeout).
  void RefreshDue(std::ostream& log);
  // `tdv lists subscribe`: the feeds of the feed partners (or the one
  // named) fetched now and kept, a line each on `out`. kUnavailable when
  // one could not be (fetched, or accepted: tampered, replayed, rolled
  // back); kNotFound when `name` is no feed partner.
  Status Subscribe(const std::string& name, std::ostream& out);
  // Refresh() now and every `seconds` on a thread until destroyed.
  void RefreshEvery(int seconds, std::ostream& log);

  // The partners as the verifier checks them; valid while this lives.
  std::vector<verify::PartnerSource> Sources() const;

 private:
  struct Partner {
    Partner(PartnerConfig c, const http::PartnerOptions& options)
        : config(std::move(c)), client(options) {}
    PartnerConfig config;
    http::PartnerClient client;
    mutable std::mutex mu;
    std::shared_ptr<const verify::exchange::PublishedSet> outputs;
    std::chrono::steady_clock::time_point fetched;
    std::string error;  // the last fetch's, "" after a good one
    // Mode 2: checked against the signed feed kept in `copy` (its header
    // in `state`), offline.
    std::string feed_key;  // 64 hex digits
    std::unique_ptr<sig::SignerTrust> trust;
    std::string my_id;  // this agency's key id at the partner
    // The verified, indexed form of `copy` (feed_index.h), valid for the
    // signer file's bytes it was verified against.
    std::filesystem::path copy, state, index;
    std::string signer_sha256;
    std::optional<http::FeedHeader> held;  // the last answer accepted (under mu)
    // The copy kept: a whole answer (asked from base_since) and `deltas`
    // deltas after it; their KeptDigest.
    std::int64_t base_since = 0;
    int deltas = 0;
    std::string kept_digest;
  };
  // Deltas kept after a whole answer at most; then the feed is asked whole
  // again (a start verifies them one by one when the index is not taken).
  static constexpr int kMaxKeptDeltas = 16;
  static std::filesystem::path DeltaPath(const Partner& p, int k);
  // A feed partner's copy kept in DATA/feeds, as `p.state` names it, into
  // p.outputs; otherwise why not into p.error.
  static void LoadKept(Partner& p);
  // A feed partner's feed fetched, checked and kept; what happened.
  Result<std::string> FetchFeed(Partner& p);
  Partners() = default;
  verify::PartnerCheck Check(const Partner& p, const std::string& state, const std::string& code,
                             const std::string& number) const;

  // Refresh() of the partners `due` says.
  void RefreshIf(const std::function<bool(const Partner&)>& due, std::ostream& log);
  std::vector<std::unique_ptr<Partner>> partners_;
  std::chrono::seconds refresh_interval_{300};  // partners_refresh_seconds
  std::optional<Periodic> refresher_;           // last: stopped before the partners go
};

}  // namespace tdv::app

#endif  // TDV_APP_PARTNERS_H_
