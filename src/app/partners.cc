// SPDX-License-Identifier: Apache-2.0
#include "partners.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "feed_index.h"
#include "tdv/sig/digest.h"
#include "whole_file.h"

namespace tdv::app {

Result<std::unique_ptr<Partners>> Partners::Open(const Config& config) {
  std::unique_ptr<Partners> out(new Partners());
  out->refresh_interval_ = std::chrono::seconds(config.partners_refresh_seconds);
  for (const PartnerConfig& c : config.partners) {
    std::ifstream in(c.key_file);
    std::string key;
    if (!in || !(in >> key) || key.rfind("tdv_", 0) != 0) {
      return Error{ErrorCode::kUnavailable, "partner " + c.name + ": cannot read a key from " +
                                                c.key_file.string() +
                                                " (the tdv_... key of role partner the partner "
                                                "made for this agency)"};
    }
    http::PartnerOptions options;
    options.url = c.url;
    options.key = key;
    options.timeout_seconds = c.timeout_seconds;
    options.ca_file = c.ca_file;
    auto p = std::make_unique<Partner>(c, options);
    p->error = "not fetched yet";
    if (c.feed()) {
      std::ifstream fk(c.feed_key_file);
      if (!fk || !(fk >> p->feed_key) || p->feed_key.size() != 64 ||
          p->feed_key.find_first_not_of("0123456789abcdef") != std::string::npos) {
        return Error{ErrorCode::kUnavailable,
                     "partner " + c.name + ": cannot read a feed key from " +
                         c.feed_key_file.string() +
                         " (64 hex digits, from the partner's `tdv exchange feed-key`)"};
      }
      auto trust = sig::SignerTrust::Load(c.feed_signer);
      if (!trust) {
        return Error{ErrorCode::kUnavailable,
                     "partner " + c.name + ": feed signer: " + trust.error().message};
      }
      p->trust = std::move(*trust);
      p->my_id = key.substr(4, 16);
      p->copy = config.data_dir / "feeds" / (c.name + ".feed");
      p->state = config.data_dir / "feeds" / (c.name + ".state");
      p->index = config.data_dir / "feeds" / (c.name + ".index");
      p->signer_sha256 = sig::Sha256Hex(ReadWhole(c.feed_signer));
      LoadKept(*p);
    }
    out->partners_.push_back(std::move(p));
  }
  return out;
}

std::filesystem::path Partners::DeltaPath(const Partner& p, int k) {
  return p.copy.parent_path() / (p.config.name + ".delta." + std::to_string(k));
}

// A feed partner's kept copy, checked again as it was accepted: through
// its verified index when that is the copy's (feed_index.h), otherwise
// verified as on arrival (the whole answer, then each delta kept after it,
// in order) and indexed for the next start.
void Partners::LoadKept(Partner& p) {
  std::error_code ec;
  if (!std::filesystem::exists(p.copy, ec)) {
    p.error = "no feed kept yet (tdv lists subscribe)";
    return;
  }
  const auto refused = [&](const std::string& why) {
    p.error =
        "the feed kept in " + p.copy.string() + " does not verify (" + why + "); subscribe again";
  };
  const nlohmann::json st = nlohmann::json::parse(ReadWhole(p.state), nullptr, false);
  if (!st.is_object() || !st.contains("since") || !st.contains("sequence") ||
      !st.contains("issued") || !st["since"].is_number_integer() ||
      !st["sequence"].is_number_integer() || !st["issued"].is_string() ||
      !st.value("changes", nlohmann::json(0)).is_number_integer() ||
      !st.value("deltas", nlohmann::json(0)).is_number_integer()) {
    refused("its state is unreadable");
    return;
  }
  http::FeedHeader held;
  const std::int64_t since = st["since"].get<std::int64_t>();
  held.sequence = st["sequence"].get<std::int64_t>();
  held.issued = st["issued"].get<std::string>();
  held.changes = st.value("changes", std::int64_t{0});
  const int deltas = st.value("deltas", 0);
  if (deltas < 0 || deltas > kMaxKeptDeltas) {
    refused("its state names " + std::to_string(deltas) + " deltas");
    return;
  }
  const std::string kept = ReadWhole(p.copy);
  std::vector<std::string> kept_deltas;
  for (int k = 1; k <= deltas; ++k) {
    if (!std::filesystem::exists(DeltaPath(p, k), ec)) {
      refused(DeltaPath(p, k).filename().string() + " is missing");
      return;
    }
    kept_deltas.push_back(ReadWhole(DeltaPath(p, k)));
  }
  const std::string digest = KeptDigest(kept, kept_deltas);
  const FeedIndexHeader want{p.config.feed_list, held.sequence, since, digest,
                             p.signer_sha256,    held.changes};
  auto set = ReadFeedIndex(p.index, p.feed_key, want);
  if (!set) {
    auto opened =
        http::OpenFeedAnswer(kept, *p.trust, {p.my_id, p.config.feed_list, since, std::nullopt});
    if (!opened || !opened->set) {
      refused(opened ? "it is not the copy its state names" : opened.error().message);
      return;
    }
    http::FeedHeader at = opened->header;
    set = std::move(*opened->set);
    for (int k = 1; k <= deltas; ++k) {
      auto next =
          http::OpenFeedAnswer(kept_deltas[static_cast<std::size_t>(k - 1)], *p.trust,
                               {p.my_id, p.config.feed_list, at.sequence, at, at.changes, &*set});
      if (!next || !next->set || !next->header.delta) {
        refused("delta " + std::to_string(k) + ": " +
                (next ? std::string("not a delta") : next.error().message));
        return;
      }
      at = next->header;
      set = std::move(*next->set);
    }
    if (at.sequence != held.sequence || at.changes != held.changes) {
      refused("it is not the copy its state names");
      return;
    }
    (void)WriteFeedIndex(p.index, p.feed_key, want, *set);  // a faster next start
  }
  p.outputs = std::make_shared<const verify::exchange::PublishedSet>(std::move(*set));
  p.held = held;
  p.base_since = since;
  p.deltas = deltas;
  p.kept_digest = digest;
  p.fetched = std::chrono::steady_clock::now();
  p.error.clear();
}

Partners::~Partners() = default;

Result<std::string> Partners::FetchFeed(Partner& p) {
  std::optional<http::FeedHeader> held;
  std::shared_ptr<const verify::exchange::PublishedSet> have;
  int deltas = 0;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    held = p.held;
    have = p.outputs;
    deltas = p.deltas;
  }
  const std::int64_t since = held ? held->sequence : 0;
  // A delta from the copy's cursor, while fewer than kMaxKeptDeltas are
  // kept after its whole answer; the feed whole otherwise.
  const std::int64_t cursor = held && have && deltas < kMaxKeptDeltas ? held->changes : 0;
  const auto fetch = [&](std::int64_t from) -> Result<std::pair<std::string, http::OpenedFeed>> {
    auto answer = p.client.FetchFeed(p.config.feed_list, since, from);
    if (!answer) return answer.error();
    auto opened = http::OpenFeedAnswer(
        *answer, *p.trust, {p.my_id, p.config.feed_list, since, held, from, have.get()});
    if (!opened) return opened.error();
    return std::make_pair(std::move(*answer), std::move(*opened));
  };
  auto got = fetch(cursor);
  std::string note;
  if (!got && cursor > 0 && got.error().code == ErrorCode::kCorrupt) {
    // A delta that does not come to the count A signed (or refused for
    // another reason): the feed whole instead, once.
    note = " (a delta was refused: " + got.error().message + "; the feed taken whole)";
    got = fetch(0);
  }
  if (!got) return got.error();
  const std::string& answer = got->first;
  http::OpenedFeed& opened = got->second;
  http::FeedHeader h = opened.header;
  std::error_code ec;
  std::filesystem::create_directories(p.copy.parent_path(), ec);
  std::string what;
  std::int64_t base_since = 0;
  std::string digest;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    base_since = p.base_since;
    digest = p.kept_digest;
  }
  if (opened.set && h.delta) {
    // Kept beside the whole answer, signed as it came; then the state that
    // names it (a delta written and not named is written over next time).
    const int k = deltas + 1;
    if (Status s = WriteWhole(DeltaPath(p, k), answer); !s) return s.error();
    digest = sig::Sha256Hex(digest + sig::Sha256Hex(answer));
    const nlohmann::json state{{"since", base_since},
                               {"sequence", h.sequence},
                               {"issued", h.issued},
                               {"changes", h.changes},
                               {"deltas", k}};
    if (Status s = WriteWhole(p.state, state.dump()); !s) return s.error();
    deltas = k;
    what = "a delta: " + std::to_string(opened.set->entries().size()) + " entries of " + h.list +
           ", sequence " + std::to_string(h.sequence) + ", issued " + h.issued + " (kept, delta " +
           std::to_string(k) + ")";
  } else if (opened.set) {
    if (Status s = WriteWhole(p.copy, answer); !s) return s.error();
    const nlohmann::json state{{"since", h.since},
                               {"sequence", h.sequence},
                               {"issued", h.issued},
                               {"changes", h.changes},
                               {"deltas", 0}};
    if (Status s = WriteWhole(p.state, state.dump()); !s) return s.error();
    // The deltas kept after the previous whole answer (and any a failed
    // start left unnamed) go.
    for (int k = 1; k <= kMaxKeptDeltas; ++k) std::filesystem::remove(DeltaPath(p, k), ec);
    base_since = h.since;
    deltas = 0;
    digest = sig::Sha256Hex(answer);
    what = std::to_string(opened.set->entries().size()) + " entries of " + h.list + ", sequence " +
           std::to_string(h.sequence) + ", issued " + h.issued + " (kept)";
  } else {
    // Current: the copy stays, and its cursor (the next delta starts where
    // the copy's last answer kept ends); its state notes the newer answer.
    h.changes = held ? held->changes : 0;
    nlohmann::json st = nlohmann::json::parse(ReadWhole(p.state), nullptr, false);
    if (!st.is_object()) return Error{ErrorCode::kCorrupt, p.state.string() + " is unreadable"};
    st["issued"] = h.issued;
    if (Status s = WriteWhole(p.state, st.dump()); !s) return s.error();
    what = h.list + " unchanged at sequence " + std::to_string(h.sequence) + ", issued " + h.issued;
  }
  if (opened.set) {
    // Without its index the copy is verified again at the next start.
    if (Status s = WriteFeedIndex(
            p.index, p.feed_key,
            {h.list, h.sequence, base_since, digest, p.signer_sha256, h.changes}, *opened.set);
        !s)
      what += "; not indexed: " + s.error().message;
  }
  std::lock_guard<std::mutex> lock(p.mu);
  if (opened.set)
    p.outputs = std::make_shared<const verify::exchange::PublishedSet>(std::move(*opened.set));
  p.held = h;
  p.base_since = base_since;
  p.deltas = deltas;
  p.kept_digest = digest;
  p.fetched = std::chrono::steady_clock::now();
  p.error.clear();
  return what + note;
}

Status Partners::Subscribe(const std::string& name, std::ostream& out) {
  bool any = false;
  Status status;
  for (const auto& p : partners_) {
    if (!p->config.feed() || (!name.empty() && p->config.name != name)) continue;
    any = true;
    auto done = FetchFeed(*p);
    if (done) {
      out << p->config.name << ": " << *done << "\n";
    } else {
      out << p->config.name << ": " << done.error().message << "\n";
      status = Error{ErrorCode::kUnavailable, p->config.name + ": " + done.error().message};
    }
  }
  if (!any) {
    return Error{ErrorCode::kNotFound, name.empty() ? "no partner has a \"feed\" (partners)"
                                                    : "no feed partner is named " + name};
  }
  return status;
}

void Partners::Refresh(std::ostream& log) {
  RefreshIf([](const Partner&) { return true; }, log);
}

void Partners::RefreshDue(std::ostream& log) {
  const auto now = std::filesystem::file_time_type::clock::now();
  RefreshIf(
      [&](const Partner& p) {
        if (!p.config.feed()) return true;  // mode 1 keeps nothing
        std::lock_guard<std::mutex> lock(p.mu);
        std::error_code ec;
        // The state is written at each fetch taken, changed or not.
        const auto written = std::filesystem::last_write_time(p.state, ec);
        return !p.outputs || ec || now - written >= refresh_interval_;
      },
      log);
}

void Partners::RefreshIf(const std::function<bool(const Partner&)>& due, std::ostream& log) {
  for (const auto& p : partners_) {
    if (!due(*p)) continue;
    if (p->config.feed()) {
      auto done = FetchFeed(*p);
      if (!done) {
        std::lock_guard<std::mutex> lock(p->mu);
        p->error = done.error().message;
        log << "tdv: partner " << p->config.name << ": feed not taken: " << p->error << std::endl;
      }
      continue;
    }
    std::shared_ptr<const verify::exchange::PublishedSet> held;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      held = p->outputs;
    }
    // A delta from the outputs held, where the partner keeps one.
    auto fetched = p->client.FetchOutputs(held.get());
    std::lock_guard<std::mutex> lock(p->mu);
    if (fetched) {
      p->outputs = std::make_shared<const verify::exchange::PublishedSet>(std::move(*fetched));
      p->fetched = std::chrono::steady_clock::now();
      p->error.clear();
    } else {
      p->error = fetched.error().message;
      log << "tdv: partner " << p->config.name << ": outputs not fetched: " << p->error
          << std::endl;
    }
  }
}

void Partners::RefreshEvery(int seconds, std::ostream& log) {
  if (partners_.empty()) return;
  refresher_.emplace(std::chrono::seconds(seconds), Periodic::First::kNow,
                     [this, &log] { Refresh(log); });
}

std::vector<verify::PartnerSource> Partners::Sources() const {
  std::vector<verify::PartnerSource> out;
  for (const auto& p : partners_) {
    const Partner* partner = p.get();
    out.push_back({p->config.name, p->config.required,
                   [this, partner](const std::string& state, const std::string& code,
                                   const std::string& number) {
                     return Check(*partner, state, code, number);
                   }});
  }
  return out;
}

verify::PartnerCheck Partners::Check(const Partner& p, const std::string& state,
                                     const std::string& code, const std::string& number) const {
  verify::PartnerCheck c;
  std::shared_ptr<const verify::exchange::PublishedSet> outputs;
  std::string error;
  std::chrono::steady_clock::time_point fetched;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    outputs = p.outputs;
    error = p.error;
    fetched = p.fetched;
  }
  if (p.config.feed()) {
    if (!outputs) {
      c.detail = "no feed to check against: " + error;
      return c;
    }
    c.hits = verify::exchange::CheckDocumentKeyed(*outputs, p.feed_key, state, code, number);
    std::optional<http::FeedHeader> held;
    {
      std::lock_guard<std::mutex> lock(p.mu);
      held = p.held;
    }
    c.detail = std::to_string(outputs->entries().size()) + " entries of its signed feed of " +
               p.config.feed_list + ", sequence " + std::to_string(outputs->sequence()) +
               (held ? ", issued " + held->issued : std::string()) +
               (error.empty() ? std::string() : " (the last fetch failed: " + error + ")");
    c.status =
        c.hits.empty() ? verify::PartnerCheck::Status::kClear : verify::PartnerCheck::Status::kHit;
    return c;
  }
  if (!outputs) {
    c.detail = "its published outputs could not be fetched: " + error;
    return c;
  }
  auto hits = verify::exchange::CheckDocument(
      *outputs, [&](const auto& elements) { return p.client.Evaluate(elements); }, state, code,
      number);
  if (!hits) {
    c.detail = hits.error().message;
    return c;
  }
  const auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - fetched)
          .count();
  std::ostringstream detail;
  detail << outputs->entries().size() << " published outputs of sequence " << outputs->sequence()
         << ", fetched " << age << " s ago";
  if (!error.empty()) detail << " (the last fetch failed: " << error << ")";
  c.detail = detail.str();
  c.hits = std::move(*hits);
  c.status =
      c.hits.empty() ? verify::PartnerCheck::Status::kClear : verify::PartnerCheck::Status::kHit;
  return c;
}

}  // namespace tdv::app
