// SPDX-License-Identifier: Apache-2.0
// The partner exchange's offline pieces on a real SQLite list: agency A
// publishes OPRF outputs of its shared list; agency B, holding only those
// outputs and A's answers to blinded probes, finds a listed document, a
// misread of one as a possible match, and nothing for an unlisted one.
#include "tdv/verify/exchange.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "catch.h"
#include "process.h"
#include "specimens.h"
#include "tdv/lists/record.h"
#include "tdv/sig/oprf.h"
#include "tdv/verify/verifier.h"

namespace tdv::verify::exchange {
namespace {

lists::ListRecord Rec(const std::string& state, const std::string& type,
                      const std::string& number) {
  lists::ListRecord r;
  r.issuing_state = state;
  r.document_type = type;
  r.document_number = number;
  r.status = lists::RecordStatus::kStolen;
  return r;
}

std::unique_ptr<lists::ListStore> Store(const tdv::testing::TempDir& dir) {
  auto store = lists::OpenSqliteStore((dir.path() / "lists.db").string());
  REQUIRE(store);
  auto import = [&](const std::string& list, std::vector<lists::ListRecord> records) {
    auto session = (*store)->BeginImport({list, "UTO-POLICE", "test", false});
    REQUIRE(session);
    for (const auto& r : records) REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, r));
    REQUIRE((*session)->Commit());
  };
  import("shared", {Rec("UTO", "P", "S0002068"), Rec("D", "ID", "L01X00T47")});
  import("private", {Rec("UTO", "P", "C11111111")});
  return std::move(*store);
}

// B's side for one document, with A evaluating by a direct call (over
// HTTP in tests/http/exchange_test.cc).
struct Found {
  bool exact = false, possible = false;
  std::vector<std::string> refs;
};
Found Check(const PublishedSet& published, const sig::oprf::Bytes& key_of_a,
            const std::string& state, const std::string& type, const std::string& number) {
  Evaluator a = [&](const std::vector<std::vector<std::uint8_t>>& elements)
      -> Result<std::vector<std::vector<std::uint8_t>>> {
    std::vector<std::vector<std::uint8_t>> out;
    for (const auto& e : elements) out.push_back(*sig::oprf::BlindEvaluate(key_of_a, e));
    return out;
  };
  auto hits = CheckDocument(published, a, state, type, number);
  REQUIRE(hits);
  Found found;
  for (const PartnerHit& h : *hits) {
    (h.look_alike ? found.possible : found.exact) = true;
    found.refs.push_back(h.reference);
    CHECK(h.list == "shared");
  }
  return found;
}

TEST_CASE("exchange: probes of a document", "[exchange]") {
  auto probes = Probes("UTO", "P<", "80002068");
  REQUIRE(probes.size() >= 2);
  CHECK(probes[0].input == "E|UTO|P|80002068");
  CHECK_FALSE(probes[0].look_alike);
  CHECK(probes[1].input == "L|UTO|P|80002068");
  // 8 and S weigh the same in check digits: S0002068's key is a variant.
  bool s_variant = false;
  for (const auto& p : probes) s_variant = s_variant || p.input == "L|UTO|P|50002068";
  CHECK(s_variant);
  CHECK(Probes("D<<", "ID", "L01X00T47")[0].input == "E|D|I|L01X00T47");
  CHECK(Probes("UTO", "P", "????").empty());
}

TEST_CASE("exchange: B finds A's listed document, a misread of it, and nothing else",
          "[exchange]") {
  tdv::testing::TempDir dir;
  auto store = Store(dir);
  auto key = sig::oprf::RandomKey();
  REQUIRE(key);
  auto built = PublishedSet::Build(*store, {"shared"}, *key, 2, true);
  REQUIRE(built);
  const PublishedSet& a = *built;
  CHECK(a.entries().size() == 4);  // two records, exact and look-alike each
  CHECK(a.lists() == std::vector<std::string>{"shared"});
  CHECK(a.sequence() > 0);

  // B holds only what A publishes: outputs, list names, the sequence.
  auto b = PublishedSet::FromEntries(a.lists(), a.entries(), a.sequence());
  CHECK(b.Confirm(Reference("shared", a.entries()[0].output)).empty());
  auto lean = PublishedSet::Build(*store, {"shared"}, *key, 1);  // as tdv serve builds it
  REQUIRE(lean);
  CHECK(lean->entries() == a.entries());
  CHECK(lean->Confirm(Reference("shared", a.entries()[0].output)).empty());

  auto listed = Check(b, *key, "UTO", "P<", "S0002068");
  CHECK(listed.exact);
  CHECK(listed.possible);                                  // its own look-alike entry too
  auto misread = Check(b, *key, "UTO", "P<", "80002068");  // S read as 8
  REQUIRE(misread.refs.size() == 1);
  CHECK_FALSE(misread.exact);
  CHECK(misread.possible);
  REQUIRE_FALSE(misread.refs.empty());
  // A confirms from the reference alone.
  auto confirmed = a.Confirm(misread.refs[0]);
  REQUIRE(confirmed.size() == 1);
  CHECK(confirmed[0].document_number ==
        "S0002068");  // the record, found from its look-alike output
  CHECK(confirmed[0].document_type == "P");
  CHECK(confirmed[0].look_alike);
  CHECK(confirmed[0].issuing_state == "UTO");
  auto id_card = Check(b, *key, "D<<", "ID", "LO1X00T47");  // 0 read as O
  CHECK_FALSE(id_card.exact);
  CHECK(id_card.possible);

  // Not listed, listed only in a list A does not share, another state, and
  // 5 for 8 (no look-alikes): nothing.
  for (const auto& [state, number] : std::vector<std::pair<std::string, std::string>>{
           {"UTO", "C01X00T47"}, {"UTO", "C11111111"}, {"FRA", "S0002068"}, {"UTO", "50005068"}}) {
    INFO(state << " " << number);
    auto none = Check(b, *key, state, "P<", number);
    CHECK_FALSE(none.exact);
    CHECK_FALSE(none.possible);
  }
  // Another key (another agency, or A's key rotated): nothing matches.
  auto other = sig::oprf::RandomKey();
  REQUIRE(other);
  CHECK_FALSE(Check(b, *other, "UTO", "P<", "S0002068").exact);
}

TEST_CASE("exchange: a feed keyed for one partner finds what the OPRF finds, offline",
          "[exchange][feed]") {
  tdv::testing::TempDir dir;
  auto store = Store(dir);
  auto secret = sig::oprf::RandomKey();
  REQUIRE(secret);
  const std::string key_b = FeedKey(*secret, "b0b0b0b0b0b0b0b0");
  CHECK(key_b.size() == 64);
  CHECK(FeedKey(*secret, "c1c1c1c1c1c1c1c1") != key_b);  // another partner, another key
  auto built = PublishedSet::BuildKeyed(*store, {"shared"}, key_b, 2, true);
  REQUIRE(built);
  CHECK(built->entries().size() == 4);
  // B holds the entries and its key.
  const auto feed = PublishedSet::FromEntries(built->lists(), built->entries(), built->sequence());
  const auto check = [&](const std::string& key, const std::string& state, const std::string& type,
                         const std::string& number) {
    Found found;
    for (const PartnerHit& h : CheckDocumentKeyed(feed, key, state, type, number)) {
      (h.look_alike ? found.possible : found.exact) = true;
      found.refs.push_back(h.reference);
      CHECK(h.list == "shared");
    }
    return found;
  };
  const Found listed = check(key_b, "UTO", "P<", "S0002068");
  CHECK(listed.exact);
  const Found misread = check(key_b, "UTO", "P<", "80002068");
  CHECK_FALSE(misread.exact);
  CHECK(misread.possible);
  // A confirms a feed's reference from the same keyed set.
  REQUIRE(misread.refs.size() == 1);
  auto confirmed = built->Confirm(misread.refs[0]);
  REQUIRE(confirmed.size() == 1);
  CHECK(confirmed[0].document_number == "S0002068");
  for (const char* number : {"C11111111", "50005068", "C01X00T47"}) {
    const Found none = check(key_b, "UTO", "P<", number);
    CHECK_FALSE(none.exact);
    CHECK_FALSE(none.possible);
  }
  // Another partner's key, or a guess at it: nothing.
  CHECK_FALSE(check(FeedKey(*secret, "c1c1c1c1c1c1c1c1"), "UTO", "P<", "S0002068").exact);
  // The feed's entries are not the OPRF's: a feed says nothing to whoever
  // holds only mode 1's published set, nor the reverse.
  auto oprf = PublishedSet::Build(*store, {"shared"}, *secret, 1);
  REQUIRE(oprf);
  for (const auto& e : oprf->entries()) CHECK(feed.Find(e.output).empty());
}

// A set's entries in one order whatever the order of equal outputs.
std::vector<std::tuple<Output, std::uint32_t, bool>> Ordered(const PublishedSet& set) {
  std::vector<std::tuple<Output, std::uint32_t, bool>> out;
  for (const Entry& e : set.entries()) out.emplace_back(e.output, e.list, e.look_alike);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("exchange: a set updated with a delta's changes is the set built after it",
          "[exchange]") {
  tdv::testing::TempDir dir;
  auto store = Store(dir);
  auto secret = sig::oprf::RandomKey();
  REQUIRE(secret);
  const auto import = [&](const std::string& list, bool delta,
                          std::vector<std::pair<lists::ChangeOp, lists::ListRecord>> changes) {
    auto session = store->BeginImport({list, "UTO-POLICE", "test", delta});
    REQUIRE(session);
    for (const auto& [op, r] : changes) REQUIRE((*session)->Add(op, r));
    REQUIRE((*session)->Commit());
  };
  const auto up = lists::ChangeOp::kUpsert;
  const auto del = lists::ChangeOp::kDelete;
  // Before: S0002068 (P), L01X00T47 (ID), and a number listed as P and as PD
  // (one type family: one exact output for both records).
  import("shared", true, {{up, Rec("UTO", "P", "X1234567")}, { up, Rec("UTO", "PD", "X1234567") }});
  auto before = PublishedSet::Build(*store, {"shared"}, *secret, 1);
  REQUIRE(before);
  CHECK(before->entries().size() == 8);
  import("shared", true,
         {{up, Rec("UTO", "P", "A7654321")},    // new
          {up, Rec("UTO", "P", "X1234567")},    // already there: an update
          {del, Rec("UTO", "PD", "X1234567")},  // one of the two behind one output
          {up, Rec("UTO", "P", "80002068")},    // a look-alike output S0002068 has too
          {del, Rec("UTO", "P", "S0002068")},   // its look-alike output stays, for 80002068
          {up, Rec("UTO", "P", "B1111111")},    // in and out again
          {del, Rec("UTO", "P", "B1111111")},
          { del,
            Rec("UTO", "P", "N0T1HERE") }});                        // was never there
  import("private", true, {{ up, Rec("UTO", "P", "C22222222") }});  // not shared: passed over
  auto changes = store->ChangesSince(before->sequence(), 1000);
  REQUIRE(changes);
  auto updated = before->Update(*changes, *secret);
  REQUIRE(updated);
  auto rebuilt = PublishedSet::Build(*store, {"shared"}, *secret, 1);
  REQUIRE(rebuilt);
  CHECK(updated->sequence() == rebuilt->sequence());
  CHECK(updated->sequence() > before->sequence());
  CHECK(Ordered(*updated) == Ordered(*rebuilt));
  CHECK(updated->entries().size() == 8);
  CHECK(std::is_sorted(updated->entries().begin(), updated->entries().end(),
                       [](const Entry& a, const Entry& b) { return a.output < b.output; }));
  // It finds what the rebuilt set finds.
  CHECK(Check(*updated, *secret, "UTO", "P<", "A7654321").exact);
  CHECK(Check(*updated, *secret, "UTO", "P<", "X1234567").exact);
  CHECK_FALSE(Check(*updated, *secret, "UTO", "P<", "S0002068").exact);
  CHECK(Check(*updated, *secret, "UTO", "P<", "S0002068").possible);
  CHECK_FALSE(Check(*updated, *secret, "UTO", "P<", "B1111111").exact);

  // A record added behind an output that stands already (a PD beside a P)
  // is taken as an update: one record short, which the lists' record count
  // shows (ExchangePublisher builds the set again then).
  auto now = PublishedSet::Build(*store, {"shared"}, *secret, 1);
  REQUIRE(now);
  import("shared", true, {{ up, Rec("UTO", "PD", "A7654321") }});
  changes = store->ChangesSince(now->sequence(), 1000);
  REQUIRE(changes);
  auto guessed = now->Update(*changes, *secret);
  REQUIRE(guessed);
  auto lists_now = store->Lists();
  REQUIRE(lists_now);
  std::int64_t records = 0;
  for (const auto& l : *lists_now) records += l.name == "shared" ? l.record_count : 0;
  CHECK(guessed->entries().size() != 2 * static_cast<std::size_t>(records));

  // A full import replaces the list: no update, a build.
  import("shared", false, {{ up, Rec("UTO", "P", "Z9999999") }});
  changes = store->ChangesSince(now->sequence(), 1000);
  REQUIRE(changes);
  auto replaced = now->Update(*changes, *secret);
  REQUIRE_FALSE(replaced);
  CHECK(replaced.error().code == ErrorCode::kUnsupported);
}

TEST_CASE("exchange: a partner's wrong answers are corrupt, its failures pass through",
          "[exchange]") {
  tdv::testing::TempDir dir;
  auto store = Store(dir);
  auto key = sig::oprf::RandomKey();
  REQUIRE(key);
  auto a = PublishedSet::Build(*store, {"shared"}, *key, 1);
  REQUIRE(a);
  using Elements = std::vector<std::vector<std::uint8_t>>;
  Evaluator too_few = [](const Elements& e) -> Result<Elements> {
    return Elements(e.begin(), e.end() - 1);
  };
  Evaluator garbage = [](const Elements& e) -> Result<Elements> {
    return Elements(e.size(), std::vector<std::uint8_t>(33, 0x05));  // no SEC1 prefix
  };
  Evaluator down = [](const Elements&) -> Result<Elements> {
    return Error{ErrorCode::kUnavailable, "partner: connection refused"};
  };
  CHECK(CheckDocument(*a, too_few, "UTO", "P", "S0002068").error().code == ErrorCode::kCorrupt);
  CHECK(CheckDocument(*a, garbage, "UTO", "P", "S0002068").error().code == ErrorCode::kCorrupt);
  CHECK(CheckDocument(*a, down, "UTO", "P", "S0002068").error().code == ErrorCode::kUnavailable);
  // Nothing to check: no call, no hit.
  auto none = CheckDocument(*a, down, "UTO", "P", "");
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("exchange: a list that is not there is refused", "[exchange]") {
  tdv::testing::TempDir dir;
  auto store = Store(dir);
  auto key = sig::oprf::RandomKey();
  REQUIRE(key);
  auto missing = PublishedSet::Build(*store, {"nope"}, *key, 1);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);
  auto bad_key = PublishedSet::Build(*store, {"shared"}, sig::oprf::Bytes(32, 0), 1);
  REQUIRE_FALSE(bad_key);
  CHECK(bad_key.error().code == ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace tdv::verify::exchange

namespace tdv::verify {
namespace {

// A partner source as app/partners.cc makes it, its partner answering by a
// direct call (over HTTP between two real instances in
// tests/app/partners_serve_test.cc); `down`: the partner cannot be reached.
PartnerSource Partner(const std::string& name, const exchange::PublishedSet& outputs,
                      const sig::oprf::Bytes& key, bool required, const bool& down) {
  return {name, required,
          [&outputs, &key, &down](const std::string& state, const std::string& code,
                                  const std::string& number) {
            exchange::Evaluator a = [&](const std::vector<std::vector<std::uint8_t>>& elements)
                -> Result<std::vector<std::vector<std::uint8_t>>> {
              if (down) return Error{ErrorCode::kUnavailable, "connection refused"};
              std::vector<std::vector<std::uint8_t>> out;
              for (const auto& e : elements) out.push_back(*sig::oprf::BlindEvaluate(key, e));
              return out;
            };
            PartnerCheck c;
            auto hits = exchange::CheckDocument(outputs, a, state, code, number);
            if (!hits) {
              c.detail = hits.error().message;
              return c;
            }
            c.hits = *hits;
            c.status = c.hits.empty() ? PartnerCheck::Status::kClear : PartnerCheck::Status::kHit;
            return c;
          }};
}

const CheckOutcome* Find(const VerificationReport& r, const std::string& name) {
  for (const CheckOutcome& c : r.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST_CASE("verifier: a partner's hit is review quoting its reference, reject only by policy",
          "[exchange][verify]") {
  tdv::testing::TempDir dir;
  auto store = lists::OpenSqliteStore((dir.path() / "lists.db").string());
  REQUIRE(store);
  auto session = (*store)->BeginImport({"sltd", "UTO-POLICE", "test", false});
  REQUIRE(session);
  REQUIRE((*session)->Add(lists::ChangeOp::kUpsert, exchange::Rec("UTO", "P", "L898902C3")));
  REQUIRE((*session)->Commit());
  auto key = sig::oprf::RandomKey();
  REQUIRE(key);
  auto outputs = exchange::PublishedSet::Build(**store, {"sltd"}, *key, 1);
  REQUIRE(outputs);
  const auto empty = exchange::PublishedSet::FromEntries({"sltd"}, {}, 1);
  bool down = false;

  VerifierConfig config;
  config.allow_specimens = true;
  config.check_expiry = false;
  config.partners = {Partner("agency-a", *outputs, *key, false, down),
                     Partner("agency-c", empty, *key, false, down)};
  VerifyRequest request;
  request.mrz_text = tdv::testing::kTd3Specimen;

  const auto verify = [&](const VerifierConfig& c) {
    auto r = Verifier(c).Verify(request);
    REQUIRE(r);
    return *r;
  };
  VerificationReport r = verify(config);
  CHECK(r.verdict == Verdict::kReview);
  REQUIRE(r.partners.size() == 2);
  CHECK(r.partners[0].partner == "agency-a");
  CHECK(r.partners[0].status == PartnerCheck::Status::kHit);
  REQUIRE_FALSE(r.partners[0].hits.empty());
  const std::string reference = r.partners[0].hits[0].reference;
  CHECK(reference.rfind("sltd:", 0) == 0);
  CHECK(r.partners[1].status == PartnerCheck::Status::kClear);
  REQUIRE(Find(r, "partners") != nullptr);
  CHECK(Find(r, "partners")->status == CheckStatus::kReview);
  REQUIRE_FALSE(r.reasons.empty());
  CHECK(r.reasons[0].code == "partner_list_hit");
  CHECK(r.reasons[0].message.find(reference) != std::string::npos);
  CHECK(r.reasons[0].message.find("agency-a") != std::string::npos);
  // Nothing of the record crosses: the report holds list and reference only.
  CHECK(r.reasons[0].message.find("stolen") == std::string::npos);

  // The operator takes the partner's word.
  VerifierConfig rejecting = config;
  rejecting.policy.partner_hit = "reject";
  CHECK(verify(rejecting).verdict == Verdict::kReject);

  // A partner on whose list it is not: a pass naming who was checked.
  VerifierConfig only_c = config;
  only_c.partners = {Partner("agency-c", empty, *key, false, down)};
  r = verify(only_c);
  CHECK(r.verdict == Verdict::kClear);
  CHECK(Find(r, "partners")->status == CheckStatus::kPass);
  CHECK(Find(r, "partners")->detail.find("agency-c") != std::string::npos);

  // Partners that cannot be reached: never a pass; review only where
  // required, a note otherwise.
  down = true;
  r = verify(only_c);
  CHECK(Find(r, "partners")->status == CheckStatus::kUnavailable);
  CHECK_FALSE(Find(r, "partners")->required);
  CHECK(r.verdict == Verdict::kClear);
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].code == "partner_unavailable");
  only_c.partners = {Partner("agency-c", empty, *key, true, down)};
  r = verify(only_c);
  CHECK(r.verdict == Verdict::kReview);
  CHECK(Find(r, "partners")->required);
  REQUIRE_FALSE(r.reasons.empty());
  CHECK(r.reasons[0].code == "partner_unavailable");
  CHECK(r.reasons[0].message.find("connection refused") != std::string::npos);
}

}  // namespace
}  // namespace tdv::verify
