// SPDX-License-Identifier: Apache-2.0
// The verification pipeline and its verdict policy.
//
// A Verifier takes what an officer or a border system presents (today: MRZ
// text; later images, seals and chip data), runs every check that applies and
// returns one VerificationReport: the parsed MRZ, each check with its status,
// and one verdict with the reasons for it.
//
// Verdict policy (every reason code: tdv/verify/policy.h, PolicyRules()):
//   clear  - every check that applies ran and passed;
//   reject - a check failed (an invalid MRZ, an expired document, a listed
//            document, a seal or chip that is not authentic);
//   review - nothing failed, but a check could not run or needs a person
//            (a holder under 18, a state on the watch list, ...).
// A check that could not run is reported as such and never reads as a pass.
//
// Thread safety: a Verifier is immutable after construction; Verify() may be
// called from many threads at once.
#ifndef TDV_VERIFY_VERIFIER_H_
#define TDV_VERIFY_VERIFIER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdv/lists/list_service.h"
#include "tdv/mrz/date.h"
#include "tdv/mrz/mrz.h"
#include "tdv/mrz/result.h"
#include "tdv/sig/chip.h"
#include "tdv/sig/seal.h"
#include "tdv/sig/trust_store.h"
#include "tdv/verify/exchange.h"
#include "tdv/verify/policy.h"
#include "tdv/vision/mrz_reader.h"

namespace tdv::verify {

// Per-request policy. Unset fields take the Verifier's defaults.
struct VerifyOptions {
  std::optional<bool> allow_specimens;  // accept UTO, the ICAO specimen state
  std::optional<bool> strict;           // ICAO-strict MRZ rules (see ParseOptions)
  std::optional<bool> check_expiry;     // judge expiry on `as_of` (policy: reject or review)
  std::optional<mrz::CivilDate> as_of;  // the day to judge by; default today (UTC)
};

struct VerifyRequest {
  // Exactly one of: MRZ text as in mrz::ParseMrz, its lines one by one, or
  // an image (PNG, JPEG, BMP file bytes) to read the MRZ from.
  std::string mrz_text;
  std::vector<std::string> mrz_lines;
  std::vector<std::uint8_t> image;
  // A visible digital seal's raw bytes. Unset with an image: the image is
  // searched for one.
  std::vector<std::uint8_t> seal;
  // Chip data (EF.SOD and data groups). With no printed MRZ given, DG1's MRZ
  // is the one checked.
  std::optional<sig::ChipData> chip;
  // The number of the passport presented with a visa, compared with the
  // passport number a visa seal carries.
  std::string passport_number;
  // The visa category the application or the visa names (e.g. "entertainer"),
  // for the policy's review_visa_categories.
  std::string visa_category;
  VerifyOptions options;
};

enum class Verdict { kClear, kReject, kReview };
// "clear", "reject", "review".
const char* VerdictName(Verdict verdict) noexcept;

// kReview: the check ran and found something a person must look at (a
// possible list match), neither a pass nor a failure.
enum class CheckStatus { kPass, kFail, kNotRun, kUnavailable, kReview };
// "pass", "fail", "not_run", "unavailable".
const char* CheckStatusName(CheckStatus status) noexcept;

struct CheckOutcome {
  std::string name;  // "mrz", "expiry"
  CheckStatus status = CheckStatus::kNotRun;
  std::string detail;
  // false: reported, but the verdict does not depend on it (the lists check
  // when no list is loaded and the configuration does not require lists).
  bool required = true;
};

struct Reason {
  std::string code;  // "mrz_invalid", "document_expired", ...
  std::string message;
};

struct SealReport {
  sig::SealVerification verification;
  std::string source;                                   // "request" or "image"
  std::optional<std::array<vision::Point, 4>> polygon;  // where the image showed it
  std::optional<bool> mrz_match;                        // the seal's MRZ against the printed one
  std::optional<bool> passport_match;  // the seal's passport number against the request's
};

struct ChipReport {
  sig::ChipVerification verification;
  std::optional<bool> mrz_match;  // DG1 against the printed MRZ (unset: none printed)
};

// One partner agency's lists, the document checked against them without
// disclosure (docs/exchange.md): a hit names the partner's list and the
// reference to quote when asking the partner to confirm, never the record.
struct PartnerCheck {
  enum class Status { kClear, kHit, kUnavailable };
  std::string partner;
  Status status = Status::kUnavailable;
  std::vector<exchange::PartnerHit> hits;  // exact hits first
  std::string detail;  // unavailable: why; else what was checked (the outputs' sequence, age)
};

// "clear", "hit", "unavailable".
const char* PartnerStatusName(PartnerCheck::Status status) noexcept;

// A partner agency to check documents against. `check` is called from any
// thread with the document's issuing state, document code and number.
struct PartnerSource {
  std::string name;
  // true: the verdict is review while the partner cannot be reached; false:
  // reported as unavailable (never a pass) without holding the verdict.
  bool required = false;
  std::function<PartnerCheck(const std::string& issuing_state, const std::string& document_code,
                             const std::string& document_number)>
      check;
};

struct VerificationReport {
  mrz::Mrz mrz;
  mrz::CivilDate as_of;
  bool allow_specimens = false;
  bool strict = false;
  std::optional<mrz::ExpiryStatus> expiry;       // set when expiry was judged
  std::optional<lists::ListsCheck> lists;        // set when lists were consulted (or could not be)
  std::optional<vision::MrzImageReading> image;  // set when the MRZ was read from an image
  std::string mrz_source;                        // "text", "lines", "image", "chip", "seal"
                                                 // or "none" (EF.SOD without DG1, a seal
                                                 // without an MRZ)
  std::optional<SealReport> seal;                // set when a seal was given or found
  std::optional<ChipReport> chip;                // set when chip data was given
  std::vector<PartnerCheck> partners;            // one per partner checked (none configured: empty)
  std::vector<CheckOutcome> checks;
  Verdict verdict = Verdict::kReview;
  std::vector<Reason> reasons;
  // What the officer should know without an effect on the verdict
  // ("expiring_soon").
  std::vector<Reason> notes;
};

struct VerifierConfig {
  bool allow_specimens = false;
  bool strict = false;
  // Expiry is judged unless a request says otherwise; an expired document
  // is rejected (policy.expired) — at a border it is the first thing the
  // officer must see.
  bool check_expiry = true;
  int expiry_window_years = 50;
  // The verdict policy's rules (tdv/verify/policy.h).
  PolicyConfig policy;
  // Reads MRZs from images; nullptr: image requests are kUnsupported.
  const vision::MrzImageSource* reader = nullptr;
  // Lost-and-stolen lists; nullptr: no list check at all.
  const lists::ListService* lists = nullptr;
  // With no list loaded: true makes the verdict "review"; false reports the
  // check as not run without holding the verdict back.
  bool require_lists = false;
  // Today's date; the default reads the system clock (UTC). Tests inject one.
  std::function<mrz::CivilDate()> today;
  // The current trust store snapshot; unset or null: seals and chips cannot
  // be verified (reported as unknown signer / unknown CSCA).
  std::function<std::shared_ptr<const sig::TrustAnchors>()> trust;
  // Search images for a DataMatrix seal when the request carries none.
  bool find_seals_in_images = true;
  // Partner agencies whose lists each document is checked against
  // (docs/exchange.md); a hit is review, or reject where the policy's
  // partner_hit says so.
  std::vector<PartnerSource> partners;
};

class Verifier {
 public:
  explicit Verifier(VerifierConfig config);

  // A seal given alone is checked on its own: the MRZ it carries (a visa
  // seal's line 2 filled out after position 28) is the MRZ checked, and a
  // seal without one is judged by its signature alone. EF.SOD without DG1
  // is checked as far as it goes (signature, chain) and is never clear.
  // Fails with kInvalidInput when the request holds nothing to check (no
  // text, lines, image, chip data or seal; or more than one of text, lines
  // and image), or the
  // image cannot be decoded (too large, corrupt, unsupported format);
  // kNotFound when the image holds no MRZ.
  // Everything wrong with the MRZ itself is in the report, not an error.
  Result<VerificationReport> Verify(const VerifyRequest& request) const;

  const VerifierConfig& config() const noexcept { return config_; }

 private:
  void CheckLists(VerificationReport& report) const;
  void CheckPartners(VerificationReport& report) const;
  // `verified`: the seal's verification when it was made already (a seal
  // checked on its own).
  void CheckSeal(const VerifyRequest& request, VerificationReport& report,
                 std::optional<sig::SealVerification> verified = std::nullopt) const;
  VerificationReport WithoutMrz(const VerifyRequest& request,
                                std::optional<sig::SealVerification> seal,
                                VerificationReport report) const;
  // The verdict from the required checks.
  static void Decide(VerificationReport& report);
  void CheckChip(const VerifyRequest& request, VerificationReport& report) const;
  VerifierConfig config_;
};

// Today's date in UTC from the system clock.
mrz::CivilDate TodayUtc();

}  // namespace tdv::verify

#endif  // TDV_VERIFY_VERIFIER_H_
