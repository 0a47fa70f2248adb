// SPDX-License-Identifier: Apache-2.0
// `tdv`: the one executable. Subcommands:
//   tdv check [IMAGE] [--mrz TEXT|-] [--seal FILE] [--chip SOD --dg N=FILE...]
//             [--card-security FILE]
//             [--json] [--allow-specimens] [--strict] [--[no-]check-expiry] [--as-of YYYY-MM-DD]
//   tdv trust import|list|remove, tdv lists ..., tdv keys create|list|revoke
//   tdv policy [--json]   the verdict policy's reasons and their effects
//   tdv audit verify|checkpoint|show  the audit trail of every check and change
//   tdv bulk INPUT [--out OUT] [--jobs N] ...  a file of applications (bulk_cmd.h)
//   tdv serve [--listen HOST:PORT] [--threads N]
// Every command takes --data DIR and --config FILE (see config.h).
// Exit codes: 0 clear/valid, 1 invalid (verdict not clear), 2 usage or
// unreadable input, 3 reserved for "no MRZ found in an image".
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "audit_cmd.h"
#include "bulk_cmd.h"
#include "config.h"
#include "exchange_cmd.h"
#include "exchange_publisher.h"
#include "exit_codes.h"
#include "feeds.h"
#include "keys_cmd.h"
#include "lists_cmd.h"
#include "partners.h"
#include "periodic.h"
#include "report_text.h"
#include "service_status.h"
#include "tdv/http/report_json.h"
#include "tdv/http/server.h"
#include "tdv/lists/list_store.h"
#include "tdv/verify/verifier.h"
#include "tdv/vision/mrz_reader.h"
#include "trust_cmd.h"
#include "trust_snapshot.h"

namespace tdv::app {
namespace {

struct CommonFlags {
  std::string data_dir;
  std::string config_file;
  std::string store;
};

struct CheckFlags {
  std::string mrz;
  std::string image;
  std::string seal;              // raw seal bytes
  std::string chip_sod;          // EF.SOD
  std::string card_security;     // EF.CardSecurity (German ID cards)
  std::vector<std::string> dgs;  // N=FILE
  std::string passport_number;   // the passport presented with a visa
  bool json = false;
  bool allow_specimens = false;
  bool strict = false;
  bool check_expiry = false;
  bool no_check_expiry = false;
  std::string as_of;
};

struct ServeFlags {
  std::string listen;
  int threads = 0;
  std::string watch;  // a scanner's folder the officer's page follows
};

int Fail(int code, const std::string& message) {
  std::cerr << "tdv: " << message << "\n";
  return code;
}

Result<Config> Load(const CommonFlags& common) {
  Result<Config> config = LoadConfig(ResolveDataDir(common.data_dir), common.config_file);
  if (config && !common.store.empty()) config->store = common.store;  // --store wins
  return config;
}

// The lists the verifier consults: the configured store (--store overrides).
std::unique_ptr<lists::ListService> OpenLists(const CommonFlags& common, const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  lists::ListService::Options o;
  o.max_staleness_seconds = config.lists_max_staleness_seconds;
  auto service = lists::ListService::Open(common.store.empty() ? config.store : common.store, o);
  (void)service->Load();  // a failure shows in every report as "unavailable"
  return service;
}

// The MRZ image reader, or nullptr with the reason on stderr.
std::unique_ptr<vision::MrzReader> OpenReader(const Config& config) {
  vision::ReaderOptions o;
  o.model_dir = config.model_dir;
  o.recogniser = config.recogniser;
  auto reader = vision::MrzReader::Create(o);
  if (!reader) {
    std::cerr << "tdv: images cannot be read: " << reader.error().message << "\n";
    return nullptr;
  }
  return std::move(*reader);
}

// The trust store snapshot, or nullptr with the reason on stderr (seals and
// chips then report an unknown signer / CSCA).
std::unique_ptr<TrustSnapshot> OpenTrust(const Config& config) {
  auto snapshot =
      std::make_unique<TrustSnapshot>(config.trust_dir, *sig::ParseCrlPolicy(config.crl_policy));
  if (Status st = snapshot->Reload(); !st) {
    std::cerr << "tdv: the trust store cannot be read: " << st.error().message << "\n";
  }
  return snapshot;
}

Result<std::vector<std::uint8_t>> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kInvalidInput, "cannot read " + path};
  std::vector<std::uint8_t> out((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (out.empty()) return Error{ErrorCode::kInvalidInput, path + " is empty"};
  return out;
}

// --seal, --chip and --dg N=FILE into the request.
Status ReadSealAndChip(const CheckFlags& flags, verify::VerifyRequest& request) {
  if (!flags.seal.empty()) {
    auto seal = ReadBytes(flags.seal);
    if (!seal) return seal.error();
    if (seal->empty()) return Error{ErrorCode::kInvalidInput, flags.seal + " is empty"};
    request.seal = std::move(*seal);
  }
  if (!flags.card_security.empty()) {
    if (!flags.chip_sod.empty() || !flags.dgs.empty())
      return Error{ErrorCode::kInvalidInput,
                   "--card-security stands alone: EF.CardSecurity covers no data groups "
                   "(give --chip SOD --dg N=FILE for those)"};
    auto bytes = ReadBytes(flags.card_security);
    if (!bytes) return bytes.error();
    sig::ChipData chip;
    chip.sod = std::move(*bytes);
    chip.card_security = true;
    request.chip = std::move(chip);
    return {};
  }
  if (flags.chip_sod.empty()) {
    if (!flags.dgs.empty()) return Error{ErrorCode::kInvalidInput, "--dg needs --chip SOD"};
    return {};
  }
  sig::ChipData chip;
  auto sod = ReadBytes(flags.chip_sod);
  if (!sod) return sod.error();
  chip.sod = std::move(*sod);
  for (const auto& dg : flags.dgs) {
    const auto eq = dg.find('=');
    int n = 0;
    if (eq != std::string::npos) n = std::atoi(dg.substr(0, eq).c_str());
    if (eq == std::string::npos || n < 1 || n > 16) {
      return Error{ErrorCode::kInvalidInput,
                   "--dg takes N=FILE with N from 1 to 16, got '" + dg + "'"};
    }
    auto bytes = ReadBytes(dg.substr(eq + 1));
    if (!bytes) return bytes.error();
    chip.data_groups[n] = std::move(*bytes);
  }
  request.chip = std::move(chip);
  return {};
}

verify::VerifierConfig VerifierConfigFrom(const Config& config, const lists::ListService* lists,
                                          const vision::MrzReader* reader = nullptr,
                                          const TrustSnapshot* trust = nullptr,
                                          const Partners* partners = nullptr) {
  verify::VerifierConfig v;
  if (partners) v.partners = partners->Sources();
  if (trust) v.trust = [trust] { return trust->Current(); };
  v.reader = reader;
  v.lists = lists;
  v.require_lists = config.require_lists;
  v.allow_specimens = config.allow_specimens;
  v.strict = config.strict;
  v.check_expiry = config.check_expiry;
  v.policy = config.policy;
  v.expiry_window_years = config.expiry_window_years;
  return v;
}

// --allow-specimens, --strict, --[no-]check-expiry and --as-of as options.
Result<verify::VerifyOptions> OptionsFrom(const CheckFlags& flags) {
  verify::VerifyOptions o;
  if (flags.allow_specimens) o.allow_specimens = true;
  if (flags.strict) o.strict = true;
  if (flags.check_expiry) o.check_expiry = true;
  if (flags.no_check_expiry) o.check_expiry = false;
  if (!flags.as_of.empty()) {
    o.as_of = mrz::ParseIsoDate(flags.as_of);
    if (!o.as_of) return Error{ErrorCode::kInvalidInput, "--as-of must be a date YYYY-MM-DD"};
  }
  return o;
}

int RunCheck(const CommonFlags& common, const CheckFlags& flags) {
  Result<Config> config = Load(common);
  if (!config) return Fail(kExitUsage, config.error().message);
  verify::VerifyRequest request;
  std::unique_ptr<vision::MrzReader> reader;
  if (!flags.image.empty() && !flags.mrz.empty()) {
    return Fail(kExitUsage, "give an IMAGE or --mrz TEXT, not both");
  }
  if (flags.image.empty() && flags.mrz.empty() && flags.chip_sod.empty() && flags.seal.empty() &&
      flags.card_security.empty()) {
    return Fail(kExitUsage,
                "give an IMAGE, --mrz TEXT, --chip SOD [--dg N=FILE ...] or --seal FILE");
  }
  if (Status st = ReadSealAndChip(flags, request); !st) return Fail(kExitUsage, st.error().message);
  request.passport_number = flags.passport_number;
  if (!flags.image.empty()) {
    std::ifstream in(flags.image, std::ios::binary);
    if (!in) return Fail(kExitUsage, "cannot read " + flags.image);
    request.image.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (request.image.empty()) return Fail(kExitUsage, flags.image + " is empty");
    reader = OpenReader(*config);
    if (!reader) return kExitUsage;
  } else if (flags.mrz == "-") {
    request.mrz_text.assign(std::istreambuf_iterator<char>(std::cin),
                            std::istreambuf_iterator<char>());
    if (std::cin.bad()) return Fail(kExitUsage, "cannot read standard input");
  } else {
    request.mrz_text = flags.mrz;
  }
  if (request.image.empty() && !request.chip && (request.seal.empty() || !flags.mrz.empty()) &&
      request.mrz_text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Fail(kExitUsage, "no MRZ text given");
  }
  auto options = OptionsFrom(flags);
  if (!options) return Fail(kExitUsage, options.error().message);
  request.options = *options;
  // Every check is recorded: no audit trail, no check.
  auto audit = OpenAudit(*config);
  if (!audit) return Fail(kExitUnavailable, audit.error().message);
  const auto lists = OpenLists(common, *config);
  const auto trust = OpenTrust(*config);
  auto partners = Partners::Open(*config);
  if (!partners) return Fail(kExitUnavailable, partners.error().message);
  (*partners)->RefreshDue(std::cerr);
  const verify::Verifier verifier(
      VerifierConfigFrom(*config, lists.get(), reader.get(), trust.get(), partners->get()));
  Result<verify::VerificationReport> report = verifier.Verify(request);
  if (!report) {
    return Fail(report.error().code == ErrorCode::kNotFound ? kExitNoMrz : kExitUsage,
                report.error().message);
  }
  if (Status st = (*audit)->Record((*audit)->VerificationEntry(CliActor(), *report)); !st)
    return Fail(kExitUnavailable, "the check cannot be recorded: " + st.error().message);
  if (flags.json) {
    std::cout << http::ReportToJson(*report, 2) << "\n";
  } else {
    std::cout << ReportToText(*report);
  }
  return report->verdict == verify::Verdict::kClear ? kExitOk : kExitNotClear;
}

int RunBulkCommand(const CommonFlags& common, const CheckFlags& check, BulkFlags flags) {
  Result<Config> config = Load(common);
  if (!config) return Fail(kExitUsage, config.error().message);
  auto options = OptionsFrom(check);
  if (!options) return Fail(kExitUsage, options.error().message);
  flags.options = *options;
  auto audit = OpenAudit(*config);
  if (!audit) return Fail(kExitUnavailable, audit.error().message);
  // Built once for the whole run: the list index, the reader, the trust store.
  const auto lists = OpenLists(common, *config);
  const auto reader = OpenReader(*config);
  const auto trust = OpenTrust(*config);
  auto partners = Partners::Open(*config);
  if (!partners) return Fail(kExitUnavailable, partners.error().message);
  (*partners)->RefreshDue(std::cerr);
  const verify::Verifier verifier(
      VerifierConfigFrom(*config, lists.get(), reader.get(), trust.get(), partners->get()));
  return RunBulk(flags, verifier, **audit, CliActor(), std::cerr);
}

int RunServe(const CommonFlags& common, const ServeFlags& flags) {
  Result<Config> config = Load(common);
  if (!config) return Fail(kExitUsage, config.error().message);
  const std::string listen = flags.listen.empty() ? config->listen : flags.listen;
  Result<http::ListenAddress> address = http::ParseListenAddress(listen);
  if (!address) return Fail(kExitUsage, address.error().message);
  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (ec)
    return Fail(kExitUsage,
                "cannot create data directory " + config->data_dir.string() + ": " + ec.message());
  if (!flags.watch.empty() && !std::filesystem::is_directory(flags.watch, ec))
    return Fail(kExitUsage, "--watch " + flags.watch + " is not a directory");

  // SIGINT/SIGTERM stop the server gracefully: block them in every thread and
  // wait for them in one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // API keys: the first start on an empty store makes an admin key, shown
  // once and kept in DATA/admin.key (mode 0600).
  auto audit = OpenAudit(*config);
  if (!audit) return Fail(kExitUnavailable, audit.error().message);
  auto key_store = OpenKeys(*config, common.store);
  if (!key_store) return Fail(kExitUnavailable, key_store.error().message);
  const std::filesystem::path admin_file = config->data_dir / "admin.key";
  Result<std::string> first_key = CreateFirstAdminKey(**key_store, admin_file);
  if (!first_key) return Fail(kExitUnavailable, first_key.error().message);
  if (!first_key->empty()) {
    RecordChange(
        **audit, "keys.create",
        "id=" + http::KeyManager::KeyIdOf("Bearer " + *first_key) + " role=admin (first start)");
    std::cout << "tdv: first start: admin key " << *first_key << "\n"
              << "tdv: (also in " << admin_file.string()
              << ", readable only by its owner; make other keys with `tdv keys create`)"
              << std::endl;
  }
  const http::KeyManager keys(**key_store);
  auto exchange = ExchangePublisher::Start(*config, std::cerr);
  if (!exchange) return Fail(kExitUnavailable, exchange.error().message);
  auto feeds = FeedPublisher::Open(*config, (*exchange)->key());
  if (!feeds) return Fail(kExitUsage, feeds.error().message);

  const auto lists = OpenLists(common, *config);
  const auto reader = OpenReader(*config);
  const auto trust = OpenTrust(*config);
  auto partners = Partners::Open(*config);
  if (!partners) return Fail(kExitUnavailable, partners.error().message);
  (*partners)->RefreshEvery(config->partners_refresh_seconds, std::cerr);
  const verify::Verifier verifier(
      VerifierConfigFrom(*config, lists.get(), reader.get(), trust.get(), partners->get()));
  // Keeps the list index and the trust store current (other instances,
  // `tdv lists import`, `tdv trust import`).
  Periodic refresher(
      std::chrono::seconds(config->lists_refresh_seconds), Periodic::First::kAfterInterval, [&] {
        if (Status st = lists->Refresh(); !st)
          std::cerr << "tdv: lists refresh failed: " << st.error().message << "\n";
        if (Status st = trust->Reload(); !st)
          std::cerr << "tdv: trust store reload failed: " << st.error().message << "\n";
      });
  http::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.threads = flags.threads > 0 ? flags.threads : config->threads;
  options.max_body_bytes = config->max_body_bytes;
  options.min_body_rate = config->min_body_rate;
  options.max_in_flight_per_key = config->max_in_flight_per_key;
  options.access_log = config->access_log;
  options.keys = &keys;
  options.audit = audit->get();
  options.tls_cert_file = config->tls_cert;
  options.tls_key_file = config->tls_key;
  options.tls_client_ca_file = config->tls_client_ca;
  options.tls_require_client_cert = config->tls_require_client_cert;
  options.tls_ciphers = config->tls_ciphers;
  options.rate_per_second_by_role = config->rate_limits;
  options.batch_max_items = config->batch_max_items;
  options.batch_threads = config->batch_threads;
  ServiceParts parts;
  parts.reader = reader.get();
  parts.model_dir = config->model_dir;
  parts.lists = lists.get();
  parts.trust = trust.get();
  parts.trust_dir = config->trust_dir;
  parts.require_lists = config->require_lists;
  options.readiness = [&parts] { return Readiness(parts); };
  const std::string store_url = config->store;
  options.open_lists = [store_url] { return lists::OpenStore(store_url); };
  options.trust_dir = config->trust_dir.string();
  options.watch_dir = flags.watch;
  options.gauges = [&parts] { return Gauges(parts); };
  options.exchange_key = (*exchange)->key();
  options.exchange_published = [publisher = exchange->get()] { return publisher->Current(); };
  options.exchange_delta = [publisher = exchange->get()](std::int64_t since) {
    return publisher->DeltaSince(since);
  };
  if (*feeds) {
    options.feed = [publisher = feeds->get()](const std::string& list, const std::string& partner,
                                              std::int64_t since, std::int64_t changes) {
      return publisher->Answer(list, partner, since, changes);
    };
  }
  // Checkpoints of the audit trail's head, out of the data directory's
  // reach (the log; audit_checkpoint_file), for `tdv audit verify
  // --checkpoint`: the last one written as the service stops.
  CheckpointWriter checkpoints(**audit, config->audit_checkpoint_file,
                               config->audit_checkpoint_seconds, std::cerr);
  PersonalRetention retention(**audit, config->audit_personal_days, std::cerr);
  http::Server server(verifier, options);
  if (Status bound = server.Bind(); !bound) return Fail(kExitUsage, bound.error().message);
  const bool v6 = address->host.find(':') != std::string::npos;
  std::cout << "tdv: serving on " << (config->tls_cert.empty() ? "http" : "https") << "://"
            << (v6 ? "[" : "") << address->host << (v6 ? "]" : "") << ":" << server.port()
            << "/ (data " << config->data_dir.string() << ")" << std::endl;

  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  Status ran = server.Run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // release the waiter if Run() ended first
  waiter.join();
  refresher.Stop();
  if (!ran) return Fail(kExitUsage, ran.error().message);
  std::cout << "tdv: stopped" << std::endl;
  return 0;
}

// The rules table of tdv/verify/policy.h, as the README shows it.
int PrintPolicy(bool json) {
  nlohmann::json out = nlohmann::json::array();
  for (const verify::PolicyRule& r : verify::PolicyRules()) {
    if (json) {
      out.push_back({{"code", r.code}, {"effect", r.effect}, {"check", r.check}, {"when", r.when}});
    } else {
      std::cout << r.code << " (" << r.effect << ", check " << r.check << "): " << r.when << "\n";
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App cli{"TDV: travel-document verification"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", TDV_VERSION);
  CommonFlags common;
  auto add_common = [&common](CLI::App* cmd) {
    cmd->add_option("--data", common.data_dir,
                    "data directory for all state (default: $TDV_DATA_DIR, else /var/lib/tdv as "
                    "root or ~/.local/share/tdv)");
    cmd->add_option("--config", common.config_file, "JSON config file (default: DATA/config.json)");
    cmd->add_option("--store", common.store,
                    "lists store: sqlite:PATH or postgresql://... (default: sqlite:DATA/lists.db)");
  };

  CheckFlags check;
  CLI::App* check_cmd = cli.add_subcommand("check", "validate one document's MRZ");
  add_common(check_cmd);
  check_cmd->add_option("IMAGE", check.image, "image of the document (PNG, JPEG, BMP)");
  check_cmd->add_option("--mrz", check.mrz, "MRZ text (lines joined by newlines), or - for stdin");
  check_cmd->add_option("--seal", check.seal,
                        "a visible digital seal's raw bytes (default: found in IMAGE)");
  check_cmd->add_option("--chip", check.chip_sod,
                        "EF.SOD read from the chip (with --dg; alone: signature and chain only)");
  check_cmd->add_option("--card-security", check.card_security,
                        "EF.CardSecurity read from a German ID card's chip (signature and chain; "
                        "with IMAGE or --mrz for the holder's data)");
  check_cmd->add_option("--dg", check.dgs,
                        "a data group read from the chip: N=FILE (repeatable; without DG1 EF.SOD "
                        "is checked alone, never clear)");
  check_cmd->add_option("--passport-number", check.passport_number,
                        "the passport presented with a visa (checked against the visa seal)");
  check_cmd->add_flag("--json", check.json, "print the report as JSON");
  check_cmd->add_flag("--allow-specimens", check.allow_specimens,
                      "accept UTO, the ICAO specimen state");
  check_cmd->add_flag("--strict", check.strict, "ICAO-strict rules (sex X, digits in names)");
  check_cmd->add_flag("--check-expiry", check.check_expiry,
                      "judge expiry on --as-of (the default unless the config says otherwise)");
  check_cmd
      ->add_flag("--no-check-expiry", check.no_check_expiry,
                 "do not judge expiry (an expired document may be clear)")
      ->excludes("--check-expiry");
  check_cmd->add_option("--as-of", check.as_of,
                        "judge dates as of YYYY-MM-DD (default: today, UTC)");

  CheckFlags bulk_check;
  BulkFlags bulk;
  CLI::App* bulk_cmd = cli.add_subcommand(
      "bulk", "check a file of applications (CSV or JSON Lines) into JSON Lines or CSV");
  add_common(bulk_cmd);
  bulk_cmd
      ->add_option("INPUT", bulk.input, "CSV or JSON Lines file of applications, or - for stdin")
      ->required();
  bulk_cmd->add_option(
      "--out", bulk.out,
      "answers file (.jsonl or .csv); an existing one is resumed (default: stdout)");
  bulk_cmd->add_option("--input-format", bulk.input_format, "csv or jsonl (default: by extension)");
  bulk_cmd->add_option("--format", bulk.out_format, "jsonl or csv (default: by --out's extension)");
  bulk_cmd->add_option("--jobs", bulk.jobs, "checking threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  bulk_cmd
      ->add_option("--progress", bulk.progress,
                   "auto (a bar on a terminal, else a line every 10 s), plain or none")
      ->check(CLI::IsMember({"auto", "plain", "none"}));
  bulk_cmd->add_flag("--allow-specimens", bulk_check.allow_specimens,
                     "accept UTO, the ICAO specimen state");
  bulk_cmd->add_flag("--strict", bulk_check.strict, "ICAO-strict rules (sex X, digits in names)");
  bulk_cmd->add_flag("--check-expiry", bulk_check.check_expiry, "judge expiry on --as-of");
  bulk_cmd->add_flag("--no-check-expiry", bulk_check.no_check_expiry, "do not judge expiry")
      ->excludes("--check-expiry");
  bulk_cmd->add_option("--as-of", bulk_check.as_of,
                       "judge dates as of YYYY-MM-DD (default: today, UTC)");

  ServeFlags serve;
  CLI::App* serve_cmd = cli.add_subcommand("serve", "run the HTTP service");
  add_common(serve_cmd);
  serve_cmd->add_option("--listen", serve.listen,
                        "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve_cmd->add_option("--threads", serve.threads, "worker threads (default 16)")
      ->check(CLI::Range(1, 1000));
  serve_cmd->add_option("--watch", serve.watch,
                        "a folder a document scanner writes into: the officer's page checks each "
                        "new scan as it arrives");

  auto run_lists = AddListsCommands(
      cli, [&common] { return Load(common); }, common.store, add_common);
  auto run_trust = AddTrustCommands(
      cli, [&common] { return Load(common); }, add_common);
  bool policy_json = false;
  CLI::App* policy_cmd =
      cli.add_subcommand("policy", "the verdict policy: every reason code and its effect");
  policy_cmd->add_flag("--json", policy_json, "print JSON");
  auto run_keys = AddKeysCommands(
      cli, [&common] { return Load(common); }, common.store, add_common);
  auto run_audit = AddAuditCommands(
      cli, [&common] { return Load(common); }, add_common);
  auto run_exchange = AddExchangeCommands(
      cli, [&common] { return Load(common); }, add_common);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (check_cmd->parsed()) return RunCheck(common, check);
  if (bulk_cmd->parsed()) return RunBulkCommand(common, bulk_check, bulk);
  if (serve_cmd->parsed()) return RunServe(common, serve);
  if (policy_cmd->parsed()) return PrintPolicy(policy_json);
  if (int code = run_lists(); code >= 0) return code;
  if (int code = run_trust(); code >= 0) return code;
  if (int code = run_keys(); code >= 0) return code;
  if (int code = run_audit(); code >= 0) return code;
  if (int code = run_exchange(); code >= 0) return code;
  return kExitUsage;
}

}  // namespace tdv::app

int main(int argc, char** argv) { return tdv::app::Main(argc, argv); }
