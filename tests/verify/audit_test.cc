// SPDX-License-Identifier: Apache-2.0
// The audit trail on a real SQLite file and on a real PostgreSQL database:
// grouped writes from many threads and two handles (two instances) make one
// chain; an altered, removed or reordered entry is found; documents are
// recorded as keyed hashes.
#include "tdv/verify/audit.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "catch.h"
#include "pg_database.h"
#include "process.h"
#include "specimens.h"

namespace tdv::verify {
namespace {

using lists::TrailEntry;
using lists::TrailQuery;

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::unique_ptr<AuditTrail> Open(const std::string& file, std::string secret = kSecret,
                                 AuditOptions options = {}) {
  auto store = lists::OpenSqliteAuditStore(file);
  REQUIRE(store.has_value());
  return std::make_unique<AuditTrail>(std::move(*store), std::move(secret), options);
}

// Runs SQL on the file behind the trail's back: what someone with write
// access to the database, but not the secret, could do.
void Tamper(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err != nullptr ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

void RecordChanges(AuditTrail& trail, int n, const std::string& actor) {
  for (int i = 0; i < n; ++i) {
    REQUIRE(trail.Record(AuditTrail::ChangeEntry(actor, "lists.add", "n=" + std::to_string(i)))
                .has_value());
  }
}

TEST_CASE("audit: writes from many threads and two handles make one intact chain", "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  auto a = Open(file);
  auto b = Open(file);  // another process on the same data directory
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back(
        [&, t] { RecordChanges(t % 2 == 0 ? *a : *b, 100, "key" + std::to_string(t)); });
  }
  for (auto& t : threads) t.join();
  auto check = a->VerifyChain();
  REQUIRE(check.has_value());
  CHECK(check->entries == 800);
  CHECK(check->intact());
  CHECK(check->head_seq == 800);
  TrailQuery all;
  all.limit = 1000;
  auto entries = b->Query(all);
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 800);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    CHECK((*entries)[i].seq == static_cast<std::int64_t>(i) + 1);
    seen.insert((*entries)[i].key_id + "/" + (*entries)[i].detail);
  }
  CHECK(seen.size() == 800);  // every entry once
}

TEST_CASE("audit: an altered, removed or reordered entry is found", "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  {
    auto trail = Open(file);
    RecordChanges(*trail, 10, "k");
  }
  auto intact = Open(file)->VerifyChain();
  REQUIRE(intact.has_value());
  REQUIRE(intact->intact());

  SECTION("altered") {
    Tamper(file, "UPDATE audit SET detail = 'n=99' WHERE seq = 4");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    CHECK(check->problem_count == 1);
    REQUIRE(check->problems.size() == 1);
    CHECK(check->problems[0].rfind("seq 4: altered", 0) == 0);
  }
  SECTION("removed") {
    Tamper(file, "DELETE FROM audit WHERE seq = 6");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    CHECK(check->entries == 9);
    REQUIRE_FALSE(check->intact());
    CHECK(check->problems[0].find("seq 7") == 0);
    CHECK(check->problems[0].find("missing") != std::string::npos);
  }
  SECTION("removed and renumbered") {
    Tamper(file, "DELETE FROM audit WHERE seq = 6; UPDATE audit SET seq = seq - 1 WHERE seq > 6");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    REQUIRE_FALSE(check->intact());
    CHECK(check->problems[0].rfind("seq 6:", 0) == 0);
  }
  SECTION("reordered") {
    Tamper(file,
           "UPDATE audit SET seq = 100 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 5; "
           "UPDATE audit SET seq = 5 WHERE seq = 100");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    REQUIRE_FALSE(check->intact());
    CHECK(check->problems[0].rfind("seq 3:", 0) == 0);
  }
  SECTION("rewritten without the secret") {
    // Someone who rewrites the whole chain with another key: every entry
    // fails under the real one.
    tdv::testing::TempDir other_dir;
    const std::string forged = (other_dir.path() / "audit.db").string();
    RecordChanges(*Open(forged, std::string(64, 'f')), 3, "k");
    auto check = Open(forged)->VerifyChain();
    REQUIRE(check.has_value());
    CHECK(check->problem_count == 3);
  }
}

TEST_CASE("audit: a checkpoint finds the newest entries removed, and a rewritten head", "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  Checkpoint checkpoint;
  {
    auto trail = Open(file);
    CHECK(trail->LastCommitted().first == 0);
    RecordChanges(*trail, 10, "k");
    const auto [seq, mac] = trail->LastCommitted();
    REQUIRE(seq == 10);
    checkpoint = trail->MakeCheckpoint(seq, mac);
  }
  // The line round-trips and is signed with this trail's key only.
  const auto parsed = ParseCheckpoint("  " + CheckpointText(checkpoint) + "\n");
  REQUIRE(parsed.has_value());
  CHECK(parsed->seq == 10);
  CHECK(parsed->mac == checkpoint.mac);
  CHECK(parsed->time == checkpoint.time);
  CHECK(Open(file)->CheckpointSigned(*parsed));
  CHECK_FALSE(Open(file, std::string(64, 'f'))->CheckpointSigned(*parsed));
  Checkpoint moved = *parsed;
  moved.seq = 8;  // an attacker's edit to the line: the signature no longer fits
  CHECK_FALSE(Open(file)->CheckpointSigned(moved));
  CHECK_FALSE(ParseCheckpoint("tdv-audit-checkpoint seq=10 mac=zz time=t sig=00").has_value());
  CHECK_FALSE(ParseCheckpoint("tdv-audit-checkpoint seq=0 mac=ab time=t sig=00").has_value());
  CHECK_FALSE(ParseCheckpoint("seq=10 mac=ab time=t sig=00").has_value());

  SECTION("intact, and a trail grown since holds") {
    auto trail = Open(file);
    RecordChanges(*trail, 2, "k");
    auto check = trail->VerifyChain(&checkpoint);
    REQUIRE(check.has_value());
    CHECK(check->intact());
    CHECK(check->missing == 0);
  }
  SECTION("the newest entries deleted: the chain alone is intact, the checkpoint is not") {
    Tamper(file, "DELETE FROM audit WHERE seq > 7");
    auto alone = Open(file)->VerifyChain();
    REQUIRE(alone.has_value());
    CHECK(alone->intact());  // what the chain alone cannot see
    auto check = Open(file)->VerifyChain(&checkpoint);
    REQUIRE(check.has_value());
    REQUIRE_FALSE(check->intact());
    CHECK(check->missing == 3);
    REQUIRE(check->problems.size() == 1);
    CHECK(check->problems[0].find("3 entries missing at the end") != std::string::npos);
    CHECK(check->problems[0].find("ends at seq 7") != std::string::npos);
  }
  SECTION("the head deleted and new entries written in its place") {
    Tamper(file, "DELETE FROM audit WHERE seq > 7");
    RecordChanges(*Open(file), 3, "someone else");
    auto check = Open(file)->VerifyChain(&checkpoint);
    REQUIRE(check.has_value());
    CHECK(check->missing == 0);
    REQUIRE_FALSE(check->intact());
    CHECK(check->problems[0].rfind("seq 10: not the entry the checkpoint", 0) == 0);
  }
}

TEST_CASE("audit: a verification is recorded with a keyed document hash", "[audit]") {
  tdv::testing::TempDir dir;
  VerifierConfig c;
  c.allow_specimens = true;
  c.today = [] { return mrz::CivilDate{2011, 1, 1}; };
  const Verifier verifier(c);
  VerifyRequest request;
  request.mrz_text = tdv::testing::kTd3Specimen;
  auto report = verifier.Verify(request);
  REQUIRE(report.has_value());

  auto hashed = Open((dir.path() / "a.db").string());
  const TrailEntry entry = hashed->VerificationEntry("0123456789abcdef", *report);
  CHECK(entry.action == "verify");
  CHECK(entry.verdict == "clear");
  CHECK(entry.document == hashed->DocumentHash("UTO", "P", "L898902C3"));
  CHECK(entry.document.size() == 32);
  CHECK(entry.document_number.empty());
  CHECK(entry.document != hashed->DocumentHash("UTO", "P", "L898902C4"));
  // Another secret, another hash: the hash cannot be looked up without it.
  CHECK(Open((dir.path() / "b.db").string(), std::string(64, '1'))
            ->DocumentHash("UTO", "P", "L898902C3") != entry.document);
  REQUIRE(hashed->Record(entry).has_value());
  REQUIRE(hashed->Record(AuditTrail::ChangeEntry("cli:ops", "keys.revoke", "id=1")).has_value());

  TrailQuery by_document;
  by_document.document = entry.document;
  auto found = hashed->Query(by_document);
  REQUIRE(found.has_value());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].key_id == "0123456789abcdef");
  CHECK_FALSE((*found)[0].time.empty());
  TrailQuery by_action;
  by_action.action = "keys.revoke";
  found = hashed->Query(by_action);
  REQUIRE(found.has_value());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].seq == 2);
  TrailQuery after;
  after.after_seq = 1;
  after.verdict = "clear";
  found = hashed->Query(after);
  REQUIRE(found.has_value());
  CHECK(found->empty());

  AuditOptions in_clear;
  in_clear.document_number_in_clear = true;
  auto clear = Open((dir.path() / "c.db").string(), kSecret, in_clear);
  CHECK(clear->VerificationEntry("k", *report).document_number == "L898902C3");
}

// Verifications of documents numbered PREFIX0 ... at times `day`T10:0N.
void RecordChecks(AuditTrail& trail, const std::string& prefix, const std::string& day, int n) {
  for (int i = 0; i < n; ++i) {
    TrailEntry e;
    e.time = day + "T10:0" + std::to_string(i) + ":00.000Z";
    e.key_id = "desk";
    e.action = "verify";
    e.document_number = prefix + std::to_string(i);
    e.document = trail.DocumentHash("UTO", "P", e.document_number);
    e.verdict = "clear";
    REQUIRE(trail.Record(e).has_value());
  }
}

// The bytes of the trail's files (the database and its WAL).
std::string FileBytes(const std::string& file) {
  std::string all;
  for (const std::string& f : {file, file + "-wal"}) {
    std::ifstream in(f, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

std::vector<TrailEntry> ByDocument(const AuditTrail& trail, const std::string& number) {
  TrailQuery q;
  q.document = trail.DocumentHash("UTO", "P", number);
  auto found = trail.Query(q);
  REQUIRE(found.has_value());
  return *found;
}

TEST_CASE("audit: personal fields past their retention are erased; the chain still proves them",
          "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  AuditOptions in_clear;
  in_clear.document_number_in_clear = true;
  {
    auto trail = Open(file, kSecret, in_clear);
    RecordChecks(*trail, "OLDNUMBR", "2025-01-05", 5);  // seq 1-5
    REQUIRE(trail->Record(AuditTrail::ChangeEntry("cli:ops", "keys.revoke", "id=1")).has_value());
    RecordChecks(*trail, "NEWNUMBR", "2026-02-01", 3);  // seq 7-9
    REQUIRE(trail->VerifyChain()->intact());
    CHECK(FileBytes(file).find("OLDNUMBR") != std::string::npos);
  }

  SECTION("a field altered before erasure is found") {
    Tamper(file, "UPDATE audit SET document_number = 'OLDNUMBR9' WHERE seq = 2");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    REQUIRE(check->problem_count == 1);
    CHECK(check->problems[0].rfind("seq 2: its document fields were altered", 0) == 0);
  }
  SECTION("a digest blanked to pass for an entry from before digests is found") {
    Tamper(file, "UPDATE audit SET personal = '', document_number = 'OLDNUMBR9' WHERE seq = 2");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    REQUIRE(check->problem_count == 1);
    CHECK(check->problems[0].rfind("seq 2: altered", 0) == 0);
  }
  SECTION("fields erased behind the trail's back are found") {
    Tamper(file, "UPDATE audit SET document = '', document_number = '' WHERE seq = 8");
    auto check = Open(file)->VerifyChain();
    REQUIRE(check.has_value());
    REQUIRE(check->problem_count == 1);
    CHECK(check->problems[0].rfind("seq 8: its document fields were erased, but no erasure", 0) ==
          0);
  }
  SECTION("erased") {
    auto trail = Open(file, kSecret, in_clear);
    auto erased = trail->ErasePersonal("2026-01-01", "service");
    REQUIRE(erased.has_value());
    CHECK(erased->upto_seq == 5);
    CHECK(erased->entries == 5);
    // The erasure is an entry of its own; every entry is still proven.
    auto check = trail->VerifyChain();
    REQUIRE(check.has_value());
    CHECK(check->intact());
    CHECK(check->entries == 10);
    CHECK(check->erased == 5);
    TrailQuery q;
    q.action = std::string(kEraseAction);
    auto recorded = trail->Query(q);
    REQUIRE(recorded->size() == 1);
    CHECK((*recorded)[0].seq == 10);
    CHECK((*recorded)[0].key_id == "service");
    CHECK((*recorded)[0].detail == "upto_seq=5 before=2026-01-01");
    // Gone from the trail and from its files; the rest of each entry stays.
    CHECK(ByDocument(*trail, "OLDNUMBR1").empty());
    CHECK(ByDocument(*trail, "NEWNUMBR1").size() == 1);
    trail.reset();
    const std::string bytes = FileBytes(file);
    CHECK(bytes.find("OLDNUMBR") == std::string::npos);
    CHECK(bytes.find("NEWNUMBR") != std::string::npos);
    trail = Open(file, kSecret, in_clear);
    TrailQuery all;
    auto entries = trail->Query(all);
    REQUIRE(entries->size() == 10);
    CHECK((*entries)[1].document.empty());
    CHECK((*entries)[1].document_number.empty());
    CHECK((*entries)[1].verdict == "clear");
    // Nothing more due: nothing recorded.
    auto again = trail->ErasePersonal("2026-01-01", "service");
    REQUIRE(again.has_value());
    CHECK(again->upto_seq == 0);
    CHECK(trail->VerifyChain()->entries == 10);

    SECTION("an entry without a digest is never erased") {
      // As written before digests (its mac then covers the fields):
      // erasing them would break the chain. (Blanked here by hand, so its
      // mac fails; what matters is that the erasure leaves it whole.)
      Tamper(file, "UPDATE audit SET personal = '' WHERE seq = 7");
      auto later = Open(file, kSecret, in_clear)->ErasePersonal("2026-03-01", "service");
      REQUIRE(later.has_value());
      CHECK(later->entries == 2);
      CHECK(ByDocument(*trail, "NEWNUMBR0").size() == 1);
      CHECK(ByDocument(*trail, "NEWNUMBR1").empty());
    }
    SECTION("a later erasure takes the entries after the last one's") {
      auto later = trail->ErasePersonal("2026-03-01", "service");
      REQUIRE(later.has_value());
      CHECK(later->upto_seq == 9);
      CHECK(later->entries == 3);
      auto after = trail->VerifyChain();
      REQUIRE(after.has_value());
      CHECK(after->intact());
      CHECK(after->erased == 8);
      CHECK(ByDocument(*trail, "NEWNUMBR1").empty());
    }
    SECTION("a restarted service's pass begins where the erasure ended") {
      // Kept in the file with the erasure: the first pass after a start
      // does not scan the entries erased before (appends wait while it
      // runs). A number put back into one of them is left to verify.
      trail.reset();
      Tamper(file, "UPDATE audit SET document_number = 'OLDNUMBR1' WHERE seq = 2");
      auto restarted = Open(file, kSecret, in_clear);
      auto later = restarted->ErasePersonal("2026-03-01", "service");
      REQUIRE(later.has_value());
      CHECK(later->upto_seq == 9);
      CHECK(later->entries == 3);
      CHECK(ByDocument(*restarted, "NEWNUMBR1").empty());
      auto kept = restarted->Query(TrailQuery{});
      REQUIRE(kept.has_value());
      CHECK(kept->at(1).document_number == "OLDNUMBR1");
    }
    SECTION("a field put back into an erased entry is found") {
      Tamper(file, "UPDATE audit SET document_number = 'OLDNUMBR1' WHERE seq = 2");
      auto after = Open(file)->VerifyChain();
      REQUIRE(after.has_value());
      REQUIRE(after->problem_count == 1);
      CHECK(after->problems[0].rfind("seq 2: its document fields were altered", 0) == 0);
    }
    SECTION("an erased entry altered otherwise is found") {
      Tamper(file, "UPDATE audit SET verdict = 'reject' WHERE seq = 3");
      CHECK(Open(file)->VerifyChain()->problems.at(0).rfind("seq 3: altered", 0) == 0);
    }
    SECTION("an erasure record stretched over newer entries is found") {
      Tamper(file,
             "UPDATE audit SET detail = 'upto_seq=9 before=2027-01-01' WHERE seq = 10; "
             "UPDATE audit SET document = '', document_number = '' WHERE seq = 8");
      auto after = Open(file)->VerifyChain();
      REQUIRE(after.has_value());
      REQUIRE(after->problem_count == 2);
      CHECK(after->problems[0].rfind("seq 10: altered", 0) == 0);
      CHECK(after->problems[1].rfind("seq 8: its document fields were erased", 0) == 0);
    }
  }
}

TEST_CASE("audit: an erasure leaves no trace of the documents in the block filters", "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  auto trail = Open(file);
  std::vector<TrailEntry> entries;
  for (int i = 0; i < 5000; ++i) {
    TrailEntry e;
    e.time = (i < 4500 ? "2025-06-01T10:00:00." : "2026-06-01T10:00:00.") +
             std::to_string(1000 + i % 1000).substr(1) + "Z";
    e.action = "verify";
    e.document = trail->DocumentHash("UTO", "P", "D" + std::to_string(i));
    entries.push_back(e);
  }
  REQUIRE(trail->RecordAll(entries).has_value());
  // The filter of the first block (seq 1-4096) has bits set; after the
  // erasure of seq 1-4500 it has none, and the entries it held are read
  // for no document.
  const auto filter_bits = [&] {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT bits FROM audit_blooms WHERE block = 0", -1, &s,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    const auto* bits = static_cast<const unsigned char*>(sqlite3_column_blob(s, 0));
    const int n = sqlite3_column_bytes(s, 0);
    const long set = std::count_if(bits, bits + n, [](unsigned char b) { return b != 0; });
    sqlite3_finalize(s);
    sqlite3_close(db);
    return set;
  };
  CHECK(filter_bits() > 0);
  CHECK(ByDocument(*trail, "D17").size() == 1);
  auto erased = trail->ErasePersonal("2026-01-01", "service");
  REQUIRE(erased.has_value());
  CHECK(erased->upto_seq == 4500);
  CHECK(erased->entries == 4500);
  CHECK(filter_bits() == 0);
  CHECK(ByDocument(*trail, "D17").empty());
  CHECK(ByDocument(*trail, "D4700").size() == 1);
  CHECK(trail->VerifyChain()->intact());
}

TEST_CASE("audit: under steady appends the WAL stays bounded and the file takes the entries",
          "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  auto trail = Open(file);
  // One entry per commit, about two WAL pages each: never checkpointed, the
  // WAL would pass 200 MB.
  constexpr int kEntries = 30000;
  RecordChanges(*trail, kEntries, "k");
  const auto wal = std::filesystem::file_size(file + "-wal");
  CHECK(wal < 128u * 1024 * 1024);
  // The checkpoints (on their own thread) have moved entries into the file.
  CHECK(std::filesystem::file_size(file) > 1024u * 1024);
  auto check = trail->VerifyChain();
  REQUIRE(check.has_value());
  CHECK(check->entries == kEntries);
  CHECK(check->intact());
}

TEST_CASE("audit: a trail made before the block filters still finds documents", "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  // The table as earlier versions made it: an index on the document.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
    sqlite3_close(db);
  }
  Tamper(file,
         "CREATE TABLE audit (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, key_id TEXT NOT NULL, "
         "action TEXT NOT NULL, document TEXT NOT NULL, document_number TEXT NOT NULL, "
         "verdict TEXT NOT NULL, reasons TEXT NOT NULL, detail TEXT NOT NULL, mac TEXT NOT NULL); "
         "CREATE INDEX audit_by_document ON audit(document);");
  for (const bool legacy : {true, false}) {
    INFO(legacy);
    const std::string f = legacy ? file : (dir.path() / "new.db").string();
    auto trail = Open(f);
    TrailEntry e = AuditTrail::ChangeEntry("k", "verify", "");
    e.document = trail->DocumentHash("UTO", "P", "L898902C3");
    REQUIRE(trail->Record(e).has_value());
    REQUIRE(trail->Record(AuditTrail::ChangeEntry("k", "lists.add", "x")).has_value());
    TrailQuery q;
    q.document = e.document;
    auto found = trail->Query(q);
    REQUIRE(found.has_value());
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].seq == 1);
    q.document = trail->DocumentHash("UTO", "P", "L898902C4");
    CHECK(trail->Query(q)->empty());
    CHECK(trail->VerifyChain()->intact());
  }
}

TEST_CASE("audit: documents are found through the block filters, from every block", "[audit]") {
  tdv::testing::TempDir dir;
  const std::string file = (dir.path() / "audit.db").string();
  auto a = Open(file);
  auto b = Open(file);  // another process: its entries are in the filters too
  // 9,000 entries (two full blocks of 4,096 and a tail), written in groups
  // by both handles, each with its own document; every 7th a change entry
  // without one.
  constexpr int kEntries = 9000;
  std::vector<TrailEntry> group;
  for (int i = 1; i <= kEntries; ++i) {
    TrailEntry e = AuditTrail::ChangeEntry("k", i % 7 == 0 ? "lists.add" : "verify", "");
    if (i % 7 != 0) e.document = a->DocumentHash("UTO", "P", "N" + std::to_string(i));
    group.push_back(e);
    if (group.size() == 300 || i == kEntries) {
      REQUIRE(((i / 300) % 2 == 0 ? *a : *b).RecordAll(std::move(group)).has_value());
      group.clear();
    }
  }
  for (int n : {1, 2, 4096, 4097, 6000, 8192, 8193, 8999}) {
    INFO(n);
    TrailQuery q;
    q.document = a->DocumentHash("UTO", "P", "N" + std::to_string(n));
    auto found = b->Query(q);
    REQUIRE(found.has_value());
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].seq == n);
    q.after_seq = n;  // pages on from there: nothing more
    CHECK(b->Query(q)->empty());
  }
  TrailQuery absent;
  absent.document = a->DocumentHash("UTO", "P", "NOT-THERE");
  CHECK(a->Query(absent)->empty());
  // The same document checked again later: both entries, in order.
  TrailEntry again = AuditTrail::ChangeEntry("k2", "verify", "");
  again.document = a->DocumentHash("UTO", "P", "N5");
  REQUIRE(a->Record(again).has_value());
  TrailQuery both;
  both.document = again.document;
  auto found = a->Query(both);
  REQUIRE(found->size() == 2);
  CHECK((*found)[0].seq == 5);
  CHECK((*found)[1].seq == kEntries + 1);
  both.key_id = "k2";
  CHECK(a->Query(both)->size() == 1);
  CHECK(a->VerifyChain()->intact());
}

// The trail in PostgreSQL, as every instance on one database keeps it.
std::unique_ptr<AuditTrail> OpenPg(const std::string& url, std::string secret = kSecret) {
  auto store = lists::OpenPostgresAuditStore(url);
  if (!store) FAIL(store.error().message);
  return std::make_unique<AuditTrail>(std::move(*store), std::move(secret), AuditOptions{});
}

TEST_CASE("audit: two instances on one PostgreSQL database make one intact chain", "[audit]") {
  tdv::testing::PgDatabase db;
  {
    auto a = OpenPg(db.url());
    auto b = OpenPg(db.url());  // another instance
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back(
          [&, t] { RecordChanges(t % 2 == 0 ? *a : *b, 100, "key" + std::to_string(t)); });
    }
    for (auto& t : threads) t.join();
    auto check = a->VerifyChain();
    REQUIRE(check.has_value());
    CHECK(check->entries == 400);
    CHECK(check->intact());
    CHECK(check->head_seq == 400);
    TrailQuery by_key;
    by_key.key_id = "key3";
    by_key.limit = 1000;
    auto entries = b->Query(by_key);
    REQUIRE(entries.has_value());
    CHECK(entries->size() == 100);
  }
  SECTION("altered behind its back") {
    REQUIRE(db.Sql("UPDATE audit SET detail = 'n=99' WHERE seq = 17").exit_code == 0);
    auto check = OpenPg(db.url())->VerifyChain();
    REQUIRE(check.has_value());
    CHECK(check->problem_count == 1);
    REQUIRE(check->problems.size() == 1);
    CHECK(check->problems[0].rfind("seq 17: altered", 0) == 0);
  }
  SECTION("removed") {
    REQUIRE(db.Sql("DELETE FROM audit WHERE seq = 300").exit_code == 0);
    auto check = OpenPg(db.url())->VerifyChain();
    REQUIRE(check.has_value());
    REQUIRE_FALSE(check->intact());
    CHECK(check->problems[0].find("seq 301") == 0);
  }
}

TEST_CASE("audit: personal fields past their retention are erased in PostgreSQL too", "[audit]") {
  tdv::testing::PgDatabase db;
  auto trail = OpenPg(db.url());
  RecordChecks(*trail, "OLDNUMBR", "2025-01-05", 4);
  RecordChecks(*trail, "NEWNUMBR", "2026-02-01", 2);
  auto erased = trail->ErasePersonal("2026-01-01", "service");
  REQUIRE(erased.has_value());
  CHECK(erased->upto_seq == 4);
  CHECK(erased->entries == 4);
  auto check = OpenPg(db.url())->VerifyChain();
  REQUIRE(check.has_value());
  CHECK(check->intact());
  CHECK(check->entries == 7);
  CHECK(check->erased == 4);
  CHECK(ByDocument(*trail, "OLDNUMBR0").empty());
  CHECK(ByDocument(*trail, "NEWNUMBR0").size() == 1);
  // Another instance (or this one restarted) begins where the erasure ended.
  REQUIRE(db.Sql("UPDATE audit SET document_number = 'OLDNUMBR1' WHERE seq = 2").exit_code == 0);
  auto other = OpenPg(db.url());
  auto later = other->ErasePersonal("2026-03-01", "service");
  REQUIRE(later.has_value());
  CHECK(later->entries == 2);
  CHECK(ByDocument(*other, "NEWNUMBR0").empty());
  auto entries = other->Query(TrailQuery{});
  REQUIRE(entries.has_value());
  CHECK(entries->at(1).document_number == "OLDNUMBR1");
  REQUIRE(db.Sql("UPDATE audit SET document = 'x' WHERE seq = 2").exit_code == 0);
  check = OpenPg(db.url())->VerifyChain();
  REQUIRE(check.has_value());
  REQUIRE(check->problem_count == 1);
  CHECK(check->problems[0].rfind("seq 2: its document fields were altered", 0) == 0);
}

TEST_CASE("audit: a PostgreSQL server that cannot be reached is unavailable", "[audit]") {
  auto store = lists::OpenPostgresAuditStore("postgresql://postgres@127.0.0.1:1/none");
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kUnavailable);
}

TEST_CASE("audit: a trail that cannot be opened says so", "[audit]") {
  tdv::testing::TempDir dir;
  auto store = lists::OpenSqliteAuditStore((dir.path() / "no" / "such" / "audit.db").string());
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace tdv::verify
