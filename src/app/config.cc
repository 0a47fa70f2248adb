// SPDX-License-Identifier: Apache-2.0
#include "config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "tdv/http/keys.h"
#include "tdv/mrz/country_codes.h"
#include "tdv/sig/trust_store.h"

namespace tdv::app {
namespace {

// Every setting of the file (README, "Configuration"); each is also read
// from the environment as TDV_<NAME>.
constexpr const char* kSettings[] = {"listen",
                                     "threads",
                                     "max_body_bytes",
                                     "min_body_rate",
                                     "max_in_flight_per_key",
                                     "access_log",
                                     "audit_key_file",
                                     "audit_checkpoint_file",
                                     "audit_checkpoint_seconds",
                                     "audit_personal_days",
                                     "audit_document_number_in_clear",
                                     "tls_cert",
                                     "tls_key",
                                     "tls_client_ca",
                                     "tls_require_client_cert",
                                     "tls_ciphers",
                                     "allow_specimens",
                                     "strict",
                                     "check_expiry",
                                     "expired",
                                     "expiring_within_days",
                                     "minor_age",
                                     "watch_states",
                                     "review_visa_categories",
                                     "rate_limits",
                                     "expiry_window_years",
                                     "store",
                                     "require_lists",
                                     "lists_refresh_seconds",
                                     "lists_max_staleness_seconds",
                                     "model_dir",
                                     "recogniser",
                                     "trust_dir",
                                     "crl_policy",
                                     "batch_max_items",
                                     "batch_threads",
                                     "exchange_lists",
                                     "exchange_key_file",
                                     "feed_signer_cert",
                                     "feed_signer_key",
                                     "feed_details",
                                     "partners",
                                     "partners_refresh_seconds",
                                     "partner_hit"};

std::optional<int> IntIn(const nlohmann::json& value, int lo, int hi);

// "partners": [{"name", "url", "key_file", "ca_file"?, "required"?,
// "timeout_seconds"?}, ...], names unique.
Result<std::vector<PartnerConfig>> ParsePartners(const nlohmann::json& value) {
  const auto bad = [](const std::string& what) {
    return Error{ErrorCode::kInvalidInput, "\"partners\": " + what};
  };
  if (!value.is_array()) return bad("must be an array of partners");
  std::vector<PartnerConfig> out;
  for (const auto& item : value) {
    if (!item.is_object()) return bad("each partner must be an object");
    PartnerConfig p;
    for (const auto& [k, v] : item.items()) {
      if (k == "name" || k == "url" || k == "key_file" || k == "ca_file") {
        if (!v.is_string() || v.get<std::string>().empty())
          return bad("\"" + k + "\" must be a non-empty string");
        const std::string text = v.get<std::string>();
        if (k == "name") p.name = text;
        if (k == "url") p.url = text;
        if (k == "key_file") p.key_file = text;
        if (k == "ca_file") p.ca_file = text;
      } else if (k == "required") {
        if (!v.is_boolean()) return bad("\"required\" must be true or false");
        p.required = v.get<bool>();
      } else if (k == "timeout_seconds") {
        const auto n = IntIn(v, 1, 300);
        if (!n) return bad("\"timeout_seconds\" must be an integer 1-300");
        p.timeout_seconds = *n;
      } else if (k == "feed") {
        // {"list", "key_file", "signer"}: checked against a signed feed.
        if (!v.is_object()) return bad("\"feed\" must be {\"list\", \"key_file\", \"signer\"}");
        for (const auto& [fk, fv] : v.items()) {
          if ((fk != "list" && fk != "key_file" && fk != "signer") || !fv.is_string() ||
              fv.get<std::string>().empty())
            return bad("\"feed\" takes \"list\", \"key_file\" and \"signer\", each a string");
          const std::string text = fv.get<std::string>();
          if (fk == "list") p.feed_list = text;
          if (fk == "key_file") p.feed_key_file = text;
          if (fk == "signer") p.feed_signer = text;
        }
        if (p.feed_list.empty() || p.feed_key_file.empty() || p.feed_signer.empty())
          return bad("\"feed\" needs \"list\", \"key_file\" and \"signer\"");
      } else {
        return bad("unknown setting \"" + k +
                   "\" (name, url, key_file, ca_file, required, "
                   "timeout_seconds, feed)");
      }
    }
    if (p.name.empty() || p.url.empty() || p.key_file.empty())
      return bad("each partner needs \"name\", \"url\" and \"key_file\"");
    if (p.url.rfind("http://", 0) != 0 && p.url.rfind("https://", 0) != 0)
      return bad("partner " + p.name + ": \"url\" must start with https:// (or http://)");
    for (const PartnerConfig& q : out) {
      if (q.name == p.name) return bad("two partners are named " + p.name);
    }
    out.push_back(std::move(p));
  }
  return out;
}

// An integer setting within [lo, hi]: read at its own width first, so that
// 4294967297 is not taken for 1 (tests/fuzz/fuzz_config.cc checks it).
std::optional<int> IntIn(const nlohmann::json& value, int lo, int hi) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(hi) || v < static_cast<std::uint64_t>(std::max(lo, 0)))
      return std::nullopt;
    return static_cast<int>(v);
  }
  if (!value.is_number_integer()) return std::nullopt;
  const auto v = value.get<std::int64_t>();
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

}  // namespace

std::filesystem::path ResolveDataDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("TDV_DATA_DIR"); env != nullptr && *env != '\0') return env;
  if (::geteuid() == 0) return "/var/lib/tdv";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".local/share/tdv";
}

// The built-in models: once installed, ../share/tdv/models beside the
// binary; in a build tree, the source tree's models/ (TDV_MODEL_DIR).
std::string DefaultModelDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return TDV_MODEL_DIR;
  const auto installed = exe.parent_path().parent_path() / "share" / "tdv" / "models";
  return std::filesystem::exists(installed / "mrz.traineddata", ec) ? installed.string()
                                                                    : TDV_MODEL_DIR;
}

Result<Config> LoadConfig(const std::filesystem::path& data_dir, const std::string& path) {
  Config config;
  config.data_dir = data_dir;
  config.model_dir = DefaultModelDir();
  config.store = "sqlite:" + (data_dir / "lists.db").string();
  config.trust_dir = data_dir / "trust";
  std::filesystem::path file =
      path.empty() ? data_dir / "config.json" : std::filesystem::path(path);
  std::error_code ec;
  nlohmann::json j = nlohmann::json::object();
  if (std::filesystem::exists(file, ec)) {
    std::ifstream in(file);
    if (!in) return Error{ErrorCode::kUnavailable, "cannot read config file " + file.string()};
    std::stringstream text;
    text << in.rdbuf();
    j = nlohmann::json::parse(text.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Error{ErrorCode::kInvalidInput, file.string() + ": not a JSON object"};
  } else if (!path.empty()) {
    return Error{ErrorCode::kNotFound, "config file " + file.string() + " does not exist"};
  }
  // The environment overrides the file: TDV_<SETTING> (upper case), its
  // value JSON (TDV_THREADS=8, TDV_WATCH_STATES='["XYZ"]') or else a string
  // (TDV_LISTEN=0.0.0.0:8080). Only variables that name a setting count.
  std::map<std::string, std::string> from_env;  // setting -> variable
  for (const char* name : kSettings) {
    std::string var = "TDV_";
    for (const char* c = name; *c != '\0'; ++c)
      var += static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    nlohmann::json v = nlohmann::json::parse(value, nullptr, false);
    j[name] = v.is_discarded() ? nlohmann::json(value) : v;
    from_env[name] = var;
  }
  std::string current;  // the setting being read, for messages
  auto bad = [&](const std::string& what) {
    auto env = from_env.find(current);
    return Error{
        ErrorCode::kInvalidInput,
        (env != from_env.end() ? "environment " + env->second : file.string()) + ": " + what};
  };
  for (const auto& [key, value] : j.items()) {
    current = key;
    if (key == "listen") {
      if (!value.is_string()) return bad("\"listen\" must be a string HOST:PORT");
      config.listen = value.get<std::string>();
    } else if (key == "model_dir") {
      if (!value.is_string()) return bad("\"model_dir\" must be a directory path");
      config.model_dir = value.get<std::string>();
    } else if (key == "recogniser") {
      if (!value.is_string() ||
          (value.get<std::string>() != "crnn" && value.get<std::string>() != "tesseract"))
        return bad("\"recogniser\" must be \"crnn\" or \"tesseract\"");
      config.recogniser = value.get<std::string>();
    } else if (key == "trust_dir") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"trust_dir\" must be a directory path");
      config.trust_dir = value.get<std::string>();
    } else if (key == "crl_policy") {
      if (!value.is_string() || !sig::ParseCrlPolicy(value.get<std::string>())) {
        return bad("\"crl_policy\" must be \"if-present\", \"require\" or \"ignore\"");
      }
      config.crl_policy = value.get<std::string>();
    } else if (key == "audit_key_file") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"audit_key_file\" must be a file path");
      config.audit_key_file = value.get<std::string>();
    } else if (key == "audit_checkpoint_file") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"audit_checkpoint_file\" must be a file path");
      config.audit_checkpoint_file = value.get<std::string>();
    } else if (key == "audit_checkpoint_seconds") {
      const auto n = IntIn(value, 0, 86400);
      if (!n)
        return bad(
            "\"audit_checkpoint_seconds\" must be an integer 0-86400 (0: only as the service "
            "stops)");
      config.audit_checkpoint_seconds = *n;
    } else if (key == "audit_personal_days") {
      const auto n = IntIn(value, 0, 36500);
      if (!n) return bad("\"audit_personal_days\" must be an integer 0-36500 (0: kept)");
      config.audit_personal_days = *n;
    } else if (key == "tls_cert" || key == "tls_key" || key == "tls_client_ca") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"" + key + "\" must be a PEM file path");
      (key == "tls_cert"  ? config.tls_cert
       : key == "tls_key" ? config.tls_key
                          : config.tls_client_ca) = value.get<std::string>();
    } else if (key == "tls_ciphers") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"tls_ciphers\" must be an OpenSSL cipher list");
      config.tls_ciphers = value.get<std::string>();
    } else if (key == "store") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return bad("\"store\" must be sqlite:PATH or a PostgreSQL URL");
      }
      config.store = value.get<std::string>();
    } else if (key == "allow_specimens" || key == "strict" || key == "check_expiry" ||
               key == "access_log" || key == "require_lists" ||
               key == "audit_document_number_in_clear" || key == "tls_require_client_cert" ||
               key == "feed_details") {
      if (!value.is_boolean()) return bad("\"" + key + "\" must be true or false");
      bool& target = key == "allow_specimens"           ? config.allow_specimens
                     : key == "strict"                  ? config.strict
                     : key == "check_expiry"            ? config.check_expiry
                     : key == "require_lists"           ? config.require_lists
                     : key == "access_log"              ? config.access_log
                     : key == "tls_require_client_cert" ? config.tls_require_client_cert
                     : key == "feed_details"            ? config.feed_details
                                                        : config.audit_document_number_in_clear;
      target = value.get<bool>();
    } else if (key == "expiry_window_years" || key == "threads") {
      const auto n = IntIn(value, 1, 1000);
      if (!n) return bad("\"" + key + "\" must be an integer 1-1000");
      (key == "threads" ? config.threads : config.expiry_window_years) = *n;
    } else if (key == "lists_refresh_seconds" || key == "lists_max_staleness_seconds") {
      const auto n = IntIn(value, 1, 86400);
      if (!n) return bad("\"" + key + "\" must be an integer 1-86400");
      (key == "lists_refresh_seconds" ? config.lists_refresh_seconds
                                      : config.lists_max_staleness_seconds) = *n;
    } else if (key == "expired") {
      if (!value.is_string() || !verify::ValidExpiredEffect(value.get<std::string>()))
        return bad("\"expired\" must be \"reject\" or \"review\"");
      config.policy.expired = value.get<std::string>();
    } else if (key == "expiring_within_days" || key == "minor_age") {
      const auto n = IntIn(value, 0, 3650);
      if (!n) return bad("\"" + key + "\" must be an integer 0-3650 (0: never)");
      (key == "minor_age" ? config.policy.minor_age : config.policy.expiring_within_days) = *n;
    } else if (key == "partner_hit") {
      if (!value.is_string() || !verify::ValidExpiredEffect(value.get<std::string>()))
        return bad("\"partner_hit\" must be \"review\" or \"reject\"");
      config.policy.partner_hit = value.get<std::string>();
    } else if (key == "partners_refresh_seconds") {
      const auto n = IntIn(value, 10, 86400);
      if (!n) return bad("\"partners_refresh_seconds\" must be an integer 10-86400");
      config.partners_refresh_seconds = *n;
    } else if (key == "partners") {
      auto partners = ParsePartners(value);
      if (!partners) return bad(partners.error().message);
      config.partners = std::move(*partners);
    } else if (key == "feed_signer_cert" || key == "feed_signer_key") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"" + key + "\" must be a PEM file path");
      (key == "feed_signer_cert" ? config.feed_signer_cert : config.feed_signer_key) =
          value.get<std::string>();
    } else if (key == "exchange_key_file") {
      if (!value.is_string() || value.get<std::string>().empty())
        return bad("\"exchange_key_file\" must be a file path");
      config.exchange_key_file = value.get<std::string>();
    } else if (key == "exchange_lists") {
      std::vector<std::string> items;
      bool ok = value.is_array();
      for (const auto& v : ok ? value : nlohmann::json::array()) {
        ok = ok && v.is_string() && !v.get<std::string>().empty();
        if (ok) items.push_back(v.get<std::string>());
      }
      if (!ok) return bad("\"exchange_lists\" must be an array of list names");
      config.exchange_lists = items;
    } else if (key == "watch_states" || key == "review_visa_categories") {
      std::vector<std::string> items;
      bool ok = value.is_array();
      for (const auto& v : ok ? value : nlohmann::json::array()) {
        ok = ok && v.is_string() && !v.get<std::string>().empty();
        if (ok) items.push_back(v.get<std::string>());
      }
      if (key == "watch_states") {
        for (const auto& code : items) ok = ok && mrz::FindCountryCode(code) != nullptr;
        if (!ok) return bad("\"watch_states\" must be an array of ICAO 9303 state codes");
        config.policy.watch_states = items;
      } else {
        if (!ok) return bad("\"review_visa_categories\" must be an array of category names");
        config.policy.review_visa_categories = items;
      }
    } else if (key == "rate_limits") {
      if (!value.is_object()) return bad("\"rate_limits\" must be an object role -> requests/s");
      std::map<std::string, double> limits;
      for (const auto& [role, rate] : value.items()) {
        const auto& roles = http::Roles();
        if (std::find(roles.begin(), roles.end(), role) == roles.end() || !rate.is_number() ||
            rate.get<double>() < 0) {
          return bad(
              "\"rate_limits\" maps a role (officer, visa-section, integrator, list-admin, "
              "auditor, admin, partner) to requests per second (0: unlimited)");
        }
        limits[role] = rate.get<double>();
      }
      config.rate_limits = limits;
    } else if (key == "batch_max_items") {
      if (!value.is_number_unsigned() || value.get<std::size_t>() < 1) {
        return bad("\"batch_max_items\" must be a positive integer");
      }
      config.batch_max_items = value.get<std::size_t>();
    } else if (key == "batch_threads") {
      const auto n = IntIn(value, 1, 256);
      if (!n) return bad("\"batch_threads\" must be an integer 1-256");
      config.batch_threads = *n;
    } else if (key == "max_body_bytes") {
      if (!value.is_number_unsigned() || value.get<std::size_t>() < 1024) {
        return bad("\"max_body_bytes\" must be an integer of at least 1024");
      }
      config.max_body_bytes = value.get<std::size_t>();
    } else if (key == "min_body_rate") {
      if (!value.is_number_unsigned()) {
        return bad("\"min_body_rate\" must be a whole number of bytes a second (0: none)");
      }
      config.min_body_rate = value.get<std::size_t>();
    } else if (key == "max_in_flight_per_key") {
      if (!value.is_number_unsigned()) {
        return bad("\"max_in_flight_per_key\" must be a whole number (0: half the threads)");
      }
      config.max_in_flight_per_key = value.get<std::size_t>();
    } else {
      return bad("unknown setting \"" + key + "\"");
    }
  }
  return config;
}

}  // namespace tdv::app
