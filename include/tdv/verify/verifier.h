// SPDX-License-Identifier: Apache-2.0
// The verification pipeline and its verdict policy.
//
// A Verifier takes what an officer or a border system presents (today: MRZ
// text; later images, seals and chip data), runs every check that applies and
// returns one VerificationReport: the parsed MRZ, each check with its status,
// and one verdict with the reasons for it.
//
// Verdict policy:
//   clear  - every check that applies ran and passed;
//   reject - a check failed (an invalid MRZ, an expired document when expiry
//            is checked);
//   review - nothing failed, but a check could not run or needs a person.
// A check that could not run is reported as such and never reads as a pass.
//
// Thread safety: a Verifier is immutable after construction; Verify() may be
// called from many threads at once.
#ifndef TDV_VERIFY_VERIFIER_H_
#define TDV_VERIFY_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tdv/lists/list_service.h"
#include "tdv/mrz/date.h"
#include "tdv/mrz/mrz.h"
#include "tdv/mrz/result.h"
#include "tdv/vision/mrz_reader.h"

namespace tdv::verify {

// Per-request policy. Unset fields take the Verifier's defaults.
struct VerifyOptions {
  std::optional<bool> allow_specimens;  // accept UTO, the ICAO specimen state
  std::optional<bool> strict;           // ICAO-strict MRZ rules (see ParseOptions)
  std::optional<bool> check_expiry;     // reject documents expired on `as_of`
  std::optional<mrz::CivilDate> as_of;  // the day to judge by; default today (UTC)
};

struct VerifyRequest {
  // Exactly one of: MRZ text as in mrz::ParseMrz, its lines one by one, or
  // an image (PNG, JPEG, BMP file bytes) to read the MRZ from.
  std::string mrz_text;
  std::vector<std::string> mrz_lines;
  std::vector<std::uint8_t> image;
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

struct VerificationReport {
  mrz::Mrz mrz;
  mrz::CivilDate as_of;
  bool allow_specimens = false;
  bool strict = false;
  std::optional<mrz::ExpiryStatus> expiry;       // set when expiry was judged
  std::optional<lists::ListsCheck> lists;        // set when lists were consulted (or could not be)
  std::optional<vision::MrzImageReading> image;  // set when the MRZ was read from an image
  std::vector<CheckOutcome> checks;
  Verdict verdict = Verdict::kReview;
  std::vector<Reason> reasons;
};

struct VerifierConfig {
  bool allow_specimens = false;
  bool strict = false;
  bool check_expiry = false;
  int expiry_window_years = 50;
  // Reads MRZs from images; nullptr: image requests are kUnsupported.
  const vision::MrzReader* reader = nullptr;
  // Lost-and-stolen lists; nullptr: no list check at all.
  const lists::ListService* lists = nullptr;
  // With no list loaded: true makes the verdict "review"; false reports the
  // check as not run without holding the verdict back.
  bool require_lists = false;
  // Today's date; the default reads the system clock (UTC). Tests inject one.
  std::function<mrz::CivilDate()> today;
};

class Verifier {
 public:
  explicit Verifier(VerifierConfig config);

  // Fails with kInvalidInput when the request holds no MRZ (no text, lines
  // or image, or more than one), or the image cannot be decoded (too large,
  // corrupt, unsupported format); kNotFound when the image holds no MRZ.
  // Everything wrong with the MRZ itself is in the report, not an error.
  Result<VerificationReport> Verify(const VerifyRequest& request) const;

  const VerifierConfig& config() const noexcept { return config_; }

 private:
  void CheckLists(VerificationReport& report) const;
  VerifierConfig config_;
};

// Today's date in UTC from the system clock.
mrz::CivilDate TodayUtc();

}  // namespace tdv::verify

#endif  // TDV_VERIFY_VERIFIER_H_
