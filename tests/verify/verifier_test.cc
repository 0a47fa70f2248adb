// SPDX-License-Identifier: Apache-2.0
// The verdict policy: what makes a report clear, reject or review.
#include "tdv/verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "catch.h"
#include "process.h"
#include "specimens.h"

namespace tdv::verify {
namespace {

using tdv::testing::kTd1NoExpiry;
using tdv::testing::kTd3BadCheck;
using tdv::testing::kTd3Specimen;

VerifierConfig Config(bool allow_specimens = true, bool check_expiry = false) {
  VerifierConfig c;
  c.allow_specimens = allow_specimens;
  c.check_expiry = check_expiry;
  c.today = [] { return mrz::CivilDate{2011, 1, 1}; };
  return c;
}

VerificationReport Run(const Verifier& v, VerifyRequest req) {
  Result<VerificationReport> r = v.Verify(req);
  REQUIRE(r.has_value());
  return std::move(r).value();
}

VerifyRequest Text(const char* text) {
  VerifyRequest r;
  r.mrz_text = text;
  return r;
}

const CheckOutcome* FindCheck(const VerificationReport& r, const std::string& name) {
  auto it = std::find_if(r.checks.begin(), r.checks.end(),
                         [&](const CheckOutcome& c) { return c.name == name; });
  return it == r.checks.end() ? nullptr : &*it;
}

bool HasReason(const VerificationReport& r, const std::string& code) {
  return std::any_of(r.reasons.begin(), r.reasons.end(),
                     [&](const Reason& x) { return x.code == code; });
}

TEST_CASE("a valid MRZ is clear, with the mrz check passed", "[verify]") {
  const Verifier v(Config());
  const VerificationReport r = Run(v, Text(kTd3Specimen));
  CHECK(r.verdict == Verdict::kClear);
  CHECK(r.reasons.empty());
  REQUIRE(FindCheck(r, "mrz") != nullptr);
  CHECK(FindCheck(r, "mrz")->status == CheckStatus::kPass);
  CHECK(FindCheck(r, "expiry") == nullptr);  // not asked for
  CHECK(r.as_of == mrz::CivilDate{2011, 1, 1});
}

TEST_CASE("a broken check digit rejects, naming the field", "[verify]") {
  const Verifier v(Config());
  const VerificationReport r = Run(v, Text(kTd3BadCheck));
  CHECK(r.verdict == Verdict::kReject);
  CHECK(HasReason(r, "mrz_invalid"));
  CHECK(FindCheck(r, "mrz")->status == CheckStatus::kFail);
  CHECK(FindCheck(r, "mrz")->detail.find("document_number") != std::string::npos);
}

TEST_CASE("specimens are rejected unless the caller allows them", "[verify]") {
  const Verifier strict_v(Config(false));
  CHECK(Run(strict_v, Text(kTd3Specimen)).verdict == Verdict::kReject);
  VerifyRequest req = Text(kTd3Specimen);
  req.options.allow_specimens = true;  // per-request override
  const VerificationReport r = Run(strict_v, req);
  CHECK(r.verdict == Verdict::kClear);
  CHECK(r.allow_specimens);
  // And the other way round.
  const Verifier lax(Config(true));
  req.options.allow_specimens = false;
  CHECK(Run(lax, req).verdict == Verdict::kReject);
}

TEST_CASE("expiry is a separate policy check, judged on as_of", "[verify]") {
  const Verifier v(Config(true, false));
  VerifyRequest req = Text(kTd3Specimen);  // expires 2012-04-15
  req.options.check_expiry = true;
  req.options.as_of = mrz::CivilDate{2012, 4, 15};
  VerificationReport r = Run(v, req);
  CHECK(r.verdict == Verdict::kClear);
  CHECK(FindCheck(r, "expiry")->status == CheckStatus::kPass);

  req.options.as_of = mrz::CivilDate{2012, 4, 16};
  r = Run(v, req);
  CHECK(r.verdict == Verdict::kReject);
  CHECK(HasReason(r, "document_expired"));
  CHECK(FindCheck(r, "mrz")->status == CheckStatus::kPass);  // syntax still valid
  CHECK(r.mrz.valid());

  // Expired but not asked: clear.
  req.options.check_expiry = false;
  CHECK(Run(v, req).verdict == Verdict::kClear);
}

TEST_CASE("a document without expiry passes the expiry check", "[verify]") {
  const Verifier v(Config(false, true));
  const VerificationReport r = Run(v, Text(kTd1NoExpiry));
  CHECK(r.verdict == Verdict::kClear);
  REQUIRE(r.expiry.has_value());
  CHECK(*r.expiry == mrz::ExpiryStatus::kNoExpiry);
}

TEST_CASE("an expiry that cannot be judged is review, never clear", "[verify]") {
  const Verifier v(Config(true, true));
  // The specimen with the expiry day unknown: "1204<<", whose check digit is 1.
  std::string text = kTd3Specimen;
  text.replace(45 + 21, 7, "1204<<1");
  // The composite changes with it: find the digit that holds.
  bool found = false;
  for (char d = '0'; d <= '9' && !found; ++d) {
    text[45 + 43] = d;
    Result<VerificationReport> r = v.Verify(Text(text.c_str()));
    REQUIRE(r.has_value());
    if (r->mrz.valid()) {
      found = true;
      CHECK(r->verdict == Verdict::kReview);
      CHECK(HasReason(*r, "expiry_unknown"));
      CHECK(FindCheck(*r, "expiry")->status == CheckStatus::kNotRun);
    }
  }
  CHECK(found);
}

TEST_CASE("a request without an MRZ, or with two, is an input error", "[verify]") {
  const Verifier v(Config());
  VerifyRequest none;
  CHECK_FALSE(v.Verify(none).has_value());
  CHECK(v.Verify(none).error().code == ErrorCode::kInvalidInput);
  VerifyRequest both = Text(kTd3Specimen);
  both.mrz_lines = {"a", "b"};
  CHECK_FALSE(v.Verify(both).has_value());
}

TEST_CASE("lines given one by one give the same report", "[verify]") {
  const Verifier v(Config());
  VerifyRequest req;
  req.mrz_lines = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                   "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
  const VerificationReport r = Run(v, req);
  CHECK(r.verdict == Verdict::kClear);
  CHECK(r.mrz.format == mrz::MrzFormat::kTd3);
}

TEST_CASE("strict mode per request overrides the configuration", "[verify]") {
  const Verifier v(Config());
  std::string text = kTd3Specimen;
  text[45 + 20] = 'X';  // sex X
  // X changes no check digit (sex is outside every check).
  VerifyRequest req = Text(text.c_str());
  CHECK(Run(v, req).verdict == Verdict::kClear);
  req.options.strict = true;
  const VerificationReport r = Run(v, req);
  CHECK(r.verdict == Verdict::kReject);
  CHECK(r.strict);
}

}  // namespace
}  // namespace tdv::verify

namespace tdv::verify {
namespace {

// The lists check in the verdict, over a real SQLite store.
class ListsFixture {
 public:
  ListsFixture() {
    auto store = lists::OpenSqliteStore((dir_.path() / "lists.db").string());
    REQUIRE(store.has_value());
    store_ = store->get();
    service_ =
        std::make_unique<lists::ListService>(std::move(*store), lists::ListService::Options{});
  }
  void Add(const std::string& number, lists::RecordStatus status = lists::RecordStatus::kStolen) {
    auto session = store_->BeginImport({"sltd", "UTO-POLICE", "test", true});
    REQUIRE(session.has_value());
    lists::ListRecord r;
    r.issuing_state = "UTO";
    r.document_type = "P";
    r.document_number = number;
    r.status = status;
    r.reporting_agency = "UTO-POLICE";
    REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, r).has_value());
    REQUIRE((*session)->Commit().has_value());
  }
  lists::ListService& service() { return *service_; }

 private:
  tdv::testing::TempDir dir_;
  lists::ListStore* store_ = nullptr;
  std::unique_ptr<lists::ListService> service_;
};

VerifierConfig WithLists(const lists::ListService* s, bool require = false) {
  VerifierConfig c;
  c.allow_specimens = true;
  c.today = [] { return mrz::CivilDate{2011, 1, 1}; };
  c.lists = s;
  c.require_lists = require;
  return c;
}

VerificationReport RunText(const Verifier& v, const char* text) {
  VerifyRequest r;
  r.mrz_text = text;
  auto out = v.Verify(r);
  REQUIRE(out.has_value());
  return std::move(out).value();
}

TEST_CASE("lists: an exact hit rejects, with the record's details", "[verify][lists]") {
  ListsFixture fx;
  fx.Add("L898902C3");
  REQUIRE(fx.service().Load().has_value());
  const Verifier v(WithLists(&fx.service()));
  const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
  CHECK(r.verdict == Verdict::kReject);
  CHECK(HasReason(r, "document_listed"));
  REQUIRE(r.lists.has_value());
  CHECK(r.lists->status == lists::ListsCheck::Status::kHit);
  REQUIRE(r.lists->hits.size() == 1);
  CHECK(r.lists->hits[0].record.reporting_agency == "UTO-POLICE");  // details from the store
  CHECK(FindCheck(r, "lists")->status == CheckStatus::kFail);
}

TEST_CASE("lists: a look-alike match asks for review", "[verify][lists]") {
  ListsFixture fx;
  fx.Add("L8989O2C3");  // listed with the letter O where the MRZ has 0
  REQUIRE(fx.service().Load().has_value());
  const Verifier v(WithLists(&fx.service()));
  const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
  CHECK(r.verdict == Verdict::kReview);
  CHECK(HasReason(r, "possible_list_match"));
  CHECK(FindCheck(r, "lists")->status == CheckStatus::kReview);
  REQUIRE(r.lists->hits.size() == 1);
  CHECK(r.lists->hits[0].differing_positions == std::vector<int>{6});
}

TEST_CASE("lists: not listed is a pass; no lists is reported, required or not", "[verify][lists]") {
  ListsFixture fx;
  REQUIRE(fx.service().Load().has_value());
  {
    const Verifier v(WithLists(&fx.service()));
    const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
    CHECK(r.verdict == Verdict::kClear);
    CHECK(FindCheck(r, "lists")->status == CheckStatus::kNotRun);
    CHECK_FALSE(FindCheck(r, "lists")->required);
  }
  {
    const Verifier v(WithLists(&fx.service(), true));
    const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
    CHECK(r.verdict == Verdict::kReview);
    CHECK(HasReason(r, "lists_not_checked"));
  }
  fx.Add("OTHER1234");
  REQUIRE(fx.service().Refresh().has_value());
  const Verifier v(WithLists(&fx.service()));
  const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
  CHECK(r.verdict == Verdict::kClear);
  CHECK(FindCheck(r, "lists")->status == CheckStatus::kPass);
  CHECK(r.lists->consulted.size() == 1);
}

TEST_CASE("lists: a store that cannot be opened is unavailable, never clear", "[verify][lists]") {
  auto service = lists::ListService::Open("sqlite:/nonexistent-dir/x/lists.db", {});
  CHECK_FALSE(service->Load().has_value());
  const Verifier v(WithLists(service.get()));
  const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
  CHECK(r.verdict == Verdict::kReview);
  CHECK(HasReason(r, "lists_unavailable"));
  CHECK(FindCheck(r, "lists")->status == CheckStatus::kUnavailable);
}

TEST_CASE("lists: an index older than the staleness limit is unavailable", "[verify][lists]") {
  ListsFixture fx;
  fx.Add("OTHER1234");
  auto store = lists::OpenSqliteStore(":memory:");
  REQUIRE(store.has_value());
  lists::ListService::Options o;
  o.max_staleness_seconds = 0;  // anything older than now is stale
  lists::ListService stale(std::move(*store), o);
  REQUIRE(stale.Load().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const Verifier v(WithLists(&stale));
  const VerificationReport r = RunText(v, tdv::testing::kTd3Specimen);
  CHECK(r.verdict == Verdict::kReview);
  CHECK(FindCheck(r, "lists")->status == CheckStatus::kUnavailable);
}

}  // namespace
}  // namespace tdv::verify

namespace tdv::verify {
namespace {

// A reader that returns a fixed reading (the verifier's view of vision).
class FixedReading : public vision::MrzImageSource {
 public:
  explicit FixedReading(vision::MrzImageReading reading) : reading_(std::move(reading)) {}
  Result<vision::MrzImageReading> Read(std::span<const std::uint8_t>) const override {
    return reading_;
  }

 private:
  vision::MrzImageReading reading_;
};

vision::MrzImageReading SpecimenReading() {
  vision::MrzImageReading r;
  const std::string text = tdv::testing::kTd3Specimen;
  const auto nl = text.find('\n');
  r.lines = {text.substr(0, nl), text.substr(nl + 1)};
  r.raw_lines = r.lines;
  r.repair.lines = r.lines;
  r.repair.format = mrz::MrzFormat::kTd3;
  r.repair.checks_satisfied = true;
  return r;
}

VerificationReport ReadImage(const vision::MrzImageReading& reading) {
  FixedReading source(reading);
  VerifierConfig c = Config();
  c.reader = &source;
  c.find_seals_in_images = false;
  VerifyRequest req;
  req.image = {0x89, 'P', 'N', 'G'};
  return Run(Verifier(c), req);
}

TEST_CASE("an image reading without uncertain positions is clear", "[verify][reading]") {
  const VerificationReport r = ReadImage(SpecimenReading());
  CHECK(r.verdict == Verdict::kClear);
  REQUIRE(FindCheck(r, "reading") != nullptr);
  CHECK(FindCheck(r, "reading")->status == CheckStatus::kPass);
}

TEST_CASE("an uncertain reading is review with the positions named, never clear",
          "[verify][reading]") {
  vision::MrzImageReading reading = SpecimenReading();
  reading.repair.uncertain.push_back({1, 6, "primary_identifier", "low_confidence"});
  reading.repair.uncertain.push_back({2, 11, "nationality", "unconfirmed_change"});
  const VerificationReport r = ReadImage(reading);
  CHECK(r.verdict == Verdict::kReview);
  CHECK(HasReason(r, "uncertain_reading"));
  const CheckOutcome* c = FindCheck(r, "reading");
  REQUIRE(c != nullptr);
  CHECK(c->status == CheckStatus::kReview);
  CHECK(c->detail.find("line 1 position 6 (primary_identifier)") != std::string::npos);
  CHECK(c->detail.find("line 2 position 11 (nationality)") != std::string::npos);
}

TEST_CASE("an uncertain reading that fails its check digits is still rejected",
          "[verify][reading]") {
  vision::MrzImageReading reading = SpecimenReading();
  reading.lines[1][9] = reading.lines[1][9] == '1' ? '2' : '1';  // document number check digit
  reading.repair.uncertain.push_back({2, 10, "document_number", "low_confidence"});
  const VerificationReport r = ReadImage(reading);
  CHECK(r.verdict == Verdict::kReject);
  CHECK(HasReason(r, "mrz_invalid"));
  CHECK(HasReason(r, "uncertain_reading"));
}

}  // namespace
}  // namespace tdv::verify
