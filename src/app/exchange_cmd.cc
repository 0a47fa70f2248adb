// SPDX-License-Identifier: Apache-2.0
#include "exchange_cmd.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "audit_cmd.h"
#include "exchange_publisher.h"
#include "exit_codes.h"
#include "tdv/lists/list_store.h"
#include "tdv/verify/exchange.h"

namespace tdv::app {
namespace {

struct ExchangeFlags {
  std::string reference;
  std::string partner;  // confirm: a feed's reference, of this partner's feed
  std::string key_id;   // feed-key
  bool json = false;
};

int Fail(int code, const std::string& message) {
  std::cerr << "tdv exchange: " << message << "\n";
  return code;
}

std::string Date(const std::optional<mrz::CivilDate>& d) { return d ? d->ToIso() : ""; }

}  // namespace

std::function<int()> AddExchangeCommands(CLI::App& parent, std::function<Result<Config>()> load,
                                         const std::function<void(CLI::App*)>& add_common) {
  auto flags = std::make_shared<ExchangeFlags>();
  CLI::App* exchange =
      parent.add_subcommand("exchange", "the lists this instance shares with partner agencies");
  exchange->require_subcommand(1);
  CLI::App* confirm =
      exchange->add_subcommand("confirm", "the record a partner's hit names (its reference)");
  add_common(confirm);
  confirm->add_option("REFERENCE", flags->reference, "LIST:HEX, as the partner quotes it")
      ->required();
  confirm->add_flag("--json", flags->json, "print JSON");
  confirm->add_option("--partner", flags->partner,
                      "the partner's key id, for a reference from its signed feed (mode 2)");
  CLI::App* feed_key = exchange->add_subcommand(
      "feed-key", "the feed key to hand to a partner for its signed feeds (mode 2)");
  add_common(feed_key);
  feed_key->add_option("KEY_ID", flags->key_id, "the id of the partner's key (tdv keys list)")
      ->required();

  return [=]() -> int {
    if (!confirm->parsed() && !feed_key->parsed()) return -1;
    Result<Config> config = load();
    if (!config) return Fail(kExitUsage, config.error().message);
    const auto is_key_id = [](const std::string& id) {
      return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
    };
    if (feed_key->parsed()) {
      if (!is_key_id(flags->key_id))
        return Fail(kExitUsage, "a key id is 16 hex digits (tdv keys list)");
      if (config->exchange_lists.empty())
        return Fail(kExitUsage, "no list is shared (exchange_lists): there is no feed");
      auto key = ExchangeKey(*config);
      if (!key) return Fail(kExitUnavailable, key.error().message);
      auto audit = OpenAudit(*config);
      if (!audit) return Fail(kExitUnavailable, audit.error().message);
      if (!RecordChange(**audit, "exchange.feed_key", "id=" + flags->key_id))
        return kExitUnavailable;
      std::cout << verify::exchange::FeedKey(*key, flags->key_id) << "\n";
      return kExitOk;
    }
    if (!flags->partner.empty() && !is_key_id(flags->partner))
      return Fail(kExitUsage, "--partner takes the partner's key id, 16 hex digits");
    const std::string& ref = flags->reference;
    const std::size_t colon = ref.rfind(':');
    if (colon == std::string::npos || colon == 0 || ref.size() - colon - 1 != 16)
      return Fail(kExitUsage, "a reference is LIST:16 hex digits, as a partner's hit gives it");
    const std::string list = ref.substr(0, colon);
    const auto& shared = config->exchange_lists;
    if (std::find(shared.begin(), shared.end(), list) == shared.end())
      return Fail(kExitUsage, "list '" + list + "' is not shared (exchange_lists)");
    auto key = ExchangeKey(*config);
    if (!key) return Fail(kExitUnavailable, key.error().message);
    auto store = lists::OpenStore(config->store);
    if (!store) return Fail(kExitUnavailable, store.error().message);
    // The list's outputs again, under the key partners were answered with.
    auto set = flags->partner.empty()
                   ? verify::exchange::PublishedSet::Build(**store, {list}, *key, 2, true)
                   : verify::exchange::PublishedSet::BuildKeyed(
                         **store, {list}, verify::exchange::FeedKey(*key, flags->partner), 2, true);
    if (!set) {
      return Fail(set.error().code == ErrorCode::kNotFound ? kExitUsage : kExitUnavailable,
                  set.error().message);
    }
    const auto found = set->Confirm(ref);
    auto audit = OpenAudit(*config);
    if (!audit) return Fail(kExitUnavailable, audit.error().message);
    if (!RecordChange(**audit, "exchange.confirm",
                      "reference=" + ref + " records=" + std::to_string(found.size())))
      return kExitUnavailable;
    if (found.empty())
      return Fail(kExitNotClear, "no record of list '" + list +
                                     "' has this reference now (removed since, or "
                                     "the exchange key changed)");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : found) {
      auto r = (*store)->Get(k.list, k.issuing_state, k.document_type, k.document_number);
      if (!r) return Fail(kExitUnavailable, r.error().message);
      if (!*r) continue;  // removed between the two reads
      const lists::ListRecord& rec = **r;
      nlohmann::json j = {{"list", k.list},
                          {"match", k.look_alike ? "look_alike" : "exact"},
                          {"issuing_state", rec.issuing_state},
                          {"document_type", rec.document_type},
                          {"document_number", rec.document_number},
                          {"status", lists::RecordStatusName(rec.status)},
                          {"reporting_agency", rec.reporting_agency},
                          {"date_reported", Date(rec.date_reported)},
                          {"national_reference", rec.national_reference}};
      if (flags->json) {
        out.push_back(j);
      } else {
        std::cout << k.list << "  " << (k.look_alike ? "look-alike" : "exact") << "  "
                  << rec.issuing_state << " " << rec.document_type << " " << rec.document_number
                  << "  " << lists::RecordStatusName(rec.status) << "  "
                  << (rec.reporting_agency.empty() ? "-" : rec.reporting_agency) << "  "
                  << (rec.national_reference.empty() ? "-" : rec.national_reference) << "\n";
      }
    }
    if (flags->json) std::cout << out.dump(2) << "\n";
    return kExitOk;
  };
}

}  // namespace tdv::app
