// SPDX-License-Identifier: Apache-2.0
// The `tdv` executable's configuration: data directory, config file, and the
// settings every command shares. Precedence: command-line flag, then the
// config file, then the built-in default.
#ifndef TDV_SRC_APP_CONFIG_H_
#define TDV_SRC_APP_CONFIG_H_

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tdv/mrz/result.h"
#include "tdv/verify/policy.h"

namespace tdv::app {

// A partner agency whose shared lists documents are checked against
// (docs/exchange.md, agency B's side).
struct PartnerConfig {
  std::string name;  // as reports name it: "agency-a"
  std::string url;   // the partner's TDV: "https://tdv.agency-a.example:8443"
  // A file holding the key of role partner the partner made for this agency
  // ("tdv_<id>_<secret>"; keep it readable by tdv only).
  std::filesystem::path key_file;
  std::string ca_file;  // PEM CAs to trust for the partner's https ("": the system's)
  // true: while the partner cannot be reached, verdicts are review.
  bool required = false;
  int timeout_seconds = 5;
  // Mode 2 (docs/exchange.md): checked offline against a signed feed of
  // `feed_list` kept in DATA/feeds, instead of asking the partner per
  // check. feed_key_file: the feed key the partner made for this agency
  // (64 hex digits); feed_signer: PEM certificates the feed's signer must
  // chain to (its own, or its CA).
  std::string feed_list;
  std::filesystem::path feed_key_file;
  std::string feed_signer;
  bool feed() const { return !feed_list.empty(); }
};

struct Config {
  std::filesystem::path data_dir;
  std::string listen = "127.0.0.1:8080";
  bool allow_specimens = false;
  bool strict = false;
  bool check_expiry = true;
  // The verdict policy's settings (expired, expiring_within_days, minor_age,
  // watch_states, review_visa_categories).
  verify::PolicyConfig policy;
  // Requests per second a key of a role may make (429 beyond); roles not
  // named are not limited. An officer at a counter checks a document every
  // few seconds: 10/s leaves room and stops a leaked desk key being used to
  // sweep the lists.
  // A partner agency's instance checks every traveller at its border
  // against the lists shared here (docs/exchange.md): 50 checks a second,
  // and not a sweep of the number space.
  std::map<std::string, double> rate_limits = {{"officer", 10.0}, {"partner", 50.0}};
  int expiry_window_years = 50;
  int threads = 16;
  std::size_t max_body_bytes = 16u << 20;
  // Bytes a second a request's bytes must come at once a worker reads them
  // (ServerOptions::min_body_rate).
  std::size_t min_body_rate = 8192;
  // Requests with a body over 64 kB one key may have in progress at once
  // (0: half the threads).
  std::size_t max_in_flight_per_key = 0;
  // POST /v1/verify/batch: items per request, verifying threads per batch.
  std::size_t batch_max_items = 10000000;
  int batch_threads = 2;
  bool access_log = true;
  // The audit trail (DATA/audit.db) records a document as a keyed hash of
  // state, type and number; true adds the number in clear.
  bool audit_document_number_in_clear = false;
  // The audit trail's MAC key (default DATA/audit.key). Instances sharing a
  // PostgreSQL store must share this file too.
  std::filesystem::path audit_key_file;
  // `tdv serve` writes a signed checkpoint of the trail's head to its log,
  // and appends it to audit_checkpoint_file when set, every
  // audit_checkpoint_seconds in which the trail grew (0: only on stopping).
  std::filesystem::path audit_checkpoint_file;
  int audit_checkpoint_seconds = 300;
  // Days the audit trail keeps its entries' document hash and number; older
  // ones are erased by `tdv serve` (hourly) and `tdv audit erase` (0: kept).
  int audit_personal_days = 0;
  // TLS for `tdv serve`: certificate chain and key (PEM); client
  // certificates from tls_client_ca, required with tls_require_client_cert.
  std::string tls_cert, tls_key, tls_client_ca;
  bool tls_require_client_cert = false;
  std::string tls_ciphers;  // TLS 1.2 suites; "": Mozilla intermediate (AEAD only)
  // Lost-and-stolen lists: "sqlite:PATH" (default DATA_DIR/lists.db) or a
  // PostgreSQL URL.
  std::string store;
  // Where the reading models are (default: the build's or the installed
  // models/), and which reads the lines: "crnn" (mrz_crnn.onnx) or
  // "tesseract" (mrz.traineddata with mrz_glyphs.yml.gz).
  std::string model_dir = TDV_MODEL_DIR;
  std::string recogniser = "crnn";
  // Trust store directory (CSCAs, signers, CRLs; default DATA_DIR/trust) and
  // its revocation policy: "if-present", "require" or "ignore".
  std::filesystem::path trust_dir;
  std::string crl_policy = "if-present";
  bool require_lists = false;
  int lists_refresh_seconds = 5;
  int lists_max_staleness_seconds = 300;
  // The partner exchange, agency A's side (docs/exchange.md): the lists
  // partners may check documents against (none: the exchange routes answer
  // 404), and the secret the OPRF key derives from (default
  // DATA/exchange.key; 64 hex digits, made on first use, mode 0600).
  std::vector<std::string> exchange_lists;
  std::filesystem::path exchange_key_file;
  // Mode 2, A's side: the certificate and key (PEM) GET /v1/feeds/{list}
  // signs with; unset: no feeds.
  std::string feed_signer_cert, feed_signer_key;
  // Whether A's feeds share each record's status and dates (never its
  // number, agency, reference or reason): the partner's officer then sees
  // them with a hit. Off by default ("confirm the hit").
  bool feed_details = false;
  // Agency B's side: the partners each document is checked against, and how
  // often `tdv serve` fetches their published outputs again.
  std::vector<PartnerConfig> partners;
  int partners_refresh_seconds = 300;
};

// The data directory: `flag` if given, else $TDV_DATA_DIR, else /var/lib/tdv
// for root and $HOME/.local/share/tdv for other users.
std::filesystem::path ResolveDataDir(const std::string& flag);

// Loads the JSON config file `path` (explicit) or, when `path` is empty,
// DATA_DIR/config.json if it exists. Unknown keys and wrong types are errors
// (kInvalidInput); a missing explicit file is kNotFound.
Result<Config> LoadConfig(const std::filesystem::path& data_dir, const std::string& path);

}  // namespace tdv::app

#endif  // TDV_SRC_APP_CONFIG_H_
