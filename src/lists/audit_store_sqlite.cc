// SPDX-License-Identifier: Apache-2.0
// The SQLite audit store: one table `audit` (seq = rowid) in its own file,
// WAL mode. Finding a document's entries: a Bloom filter of the documents of
// each block of 4,096 entries (table `audit_blooms`, one row written by the
// append that completes its block, read back from the table so that every
// process's entries are in it), so that a lookup reads the filters (about
// 8 KB a block) and then only the blocks that may hold the document, plus
// the last, unfinished block. An index on the document took a random B-tree
// insert per entry: half of a batch's time (51,000 verifications/s with it,
// 97,000 without). Trails made before the filters keep their index on the
// document and are searched with it. No other index (a time index cost
// about 15 % of the grouped write rate; time filters scan from `after`).
// synchronous=NORMAL: a committed entry survives the process dying; the
// last moments before a power cut may not (docs/api.md, "The audit trail").
//
// Checkpoints (copying the WAL back into the file, with its fsyncs) run on a
// thread and connection of their own, not inside an append: run by the
// committing request, as SQLite does by default every 1,000 pages, each one
// held that request's and every waiting verification's entry for several
// milliseconds (at 64 connections: p99 20 ms, 6 ms without checkpoints).
#include <array>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include "sqlite_util.h"
#include "tdv/lists/audit_store.h"

namespace tdv::lists {
namespace {

using internal::ColumnText;
using internal::OsReason;

// WAL sizes in frames (4 KB pages). The checkpointer is woken once the WAL
// holds kWakeFrames (SQLite's own default checkpoint size); it restarts the
// WAL once it holds kRestartFrames (64 MB: at 24,000 appends/s, one or two
// entries and two pages per commit, every half second). An append that
// finds kMaxFrames (the checkpointer cannot keep up) checkpoints itself.
constexpr int kWakeFrames = 8192;
constexpr int kRestartFrames = 16384;
constexpr int kMaxFrames = 4 * kRestartFrames;

// A filter per block of kBlock entries: kBloomBits bits (16 per entry) and
// kHashes positions per document: about 1 in 2,000 blocks without the
// document is read in vain.
constexpr std::int64_t kBlock = 4096;
constexpr std::uint32_t kBloomBits = 16 * kBlock;
constexpr std::size_t kHashes = 11;
// 32 MB of filters (16.8 million entries) are kept in memory.
constexpr std::size_t kCachedBlocks = 4096;

constexpr const char* kColumns =
    "seq, time, key_id, action, document, document_number, verdict, reasons, detail, mac, "
    "personal";

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(sqlite3* db) : db_(db) {}
  ~SqliteAuditStore() override {
    {
      std::lock_guard lock(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    sqlite3_close_v2(checkpoint_db_);
    for (sqlite3_stmt* s : {begin_, last_, insert_, commit_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);  // the last connection to close checkpoints all
  }

  Status Init() {
    const char* sql = R"sql(
      PRAGMA journal_mode=WAL;
      PRAGMA synchronous=NORMAL;
      PRAGMA cache_size=-65536;
      PRAGMA journal_size_limit=67108864;
      PRAGMA secure_delete=ON;
      CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        key_id TEXT NOT NULL,
        action TEXT NOT NULL,
        document TEXT NOT NULL,
        document_number TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL,
        detail TEXT NOT NULL,
        mac TEXT NOT NULL,
        personal TEXT NOT NULL DEFAULT '');
      CREATE TABLE IF NOT EXISTS audit_erased (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        upto INTEGER NOT NULL);
    )sql";
    sqlite3_busy_timeout(db_, 10000);
    if (!Exec("PRAGMA journal_mode=WAL")) return Failure();
    // A trail made before the filters has the audit table and no
    // audit_blooms: it keeps its document index.
    const bool existed = TableExists("audit");
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = (err != nullptr ? err : sqlite3_errmsg(db_)) + OsReason(db_);
      sqlite3_free(err);
      return Error{ErrorCode::kUnavailable, "audit trail: " + message};
    }
    if (!existed &&
        !Exec("CREATE TABLE IF NOT EXISTS audit_blooms (block INTEGER PRIMARY KEY, bits BLOB NOT "
              "NULL)")) {
      return Failure();
    }
    // A trail made before digests gains their column (its entries keep "").
    if (sqlite3_stmt* probe = Prepare("SELECT personal FROM audit LIMIT 0")) {
      sqlite3_finalize(probe);
    } else if (!Exec("ALTER TABLE audit ADD COLUMN personal TEXT NOT NULL DEFAULT ''")) {
      return Failure();
    }
    blooms_ = TableExists("audit_blooms");
    if (!blooms_ && !Exec("CREATE INDEX IF NOT EXISTS audit_by_document ON audit(document)"))
      return Failure();
    const char* file = sqlite3_db_filename(db_, "main");
    if (file != nullptr && *file != '\0' &&
        sqlite3_open_v2(file, &checkpoint_db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
      // A RESTART waits this long at most for readers (the appends wait with it).
      sqlite3_busy_timeout(checkpoint_db_, 20);
      // A connection checkpoints only once it has seen the file is in WAL
      // mode (before that the call does nothing).
      (void)sqlite3_exec(checkpoint_db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      sqlite3_wal_hook(db_, &AfterCommit, this);  // instead of SQLite's own checkpoints
      checkpointer_ = std::thread([this] { Checkpoints(); });
    } else {
      // No second connection: SQLite checkpoints inside the appends.
      sqlite3_close_v2(checkpoint_db_);
      checkpoint_db_ = nullptr;
    }
    return {};
  }

  Status Append(std::vector<TrailEntry>& entries, const Seal& seal) override {
    if (entries.empty()) return {};
    std::lock_guard lock(mu_);
    // Every statement of a commit is prepared once (parsing them was about
    // a fifth of a grouped append's time).
    if (begin_ == nullptr) {
      // IMMEDIATE: the write lock before the last entry is read, so that two
      // processes cannot both chain onto it.
      begin_ = Prepare("BEGIN IMMEDIATE");
      last_ = Prepare("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
      insert_ = Prepare(std::string("INSERT INTO audit (") + kColumns +
                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      commit_ = Prepare("COMMIT");
      if (!begin_ || !last_ || !insert_ || !commit_) {
        Error e = Failure();
        for (sqlite3_stmt** s : {&begin_, &last_, &insert_, &commit_}) {
          sqlite3_finalize(*s);
          *s = nullptr;
        }
        return e;
      }
    }
    if (!Step(begin_)) return Failure();
    std::int64_t seq = 0;
    std::string prev;
    const int rc = sqlite3_step(last_);
    if (rc == SQLITE_ROW) {
      seq = sqlite3_column_int64(last_, 0);
      prev = ColumnText(last_, 1);
    }
    sqlite3_reset(last_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Rollback();
    for (TrailEntry& e : entries) {
      e.seq = ++seq;
      e.mac = seal(e, prev);
      prev = e.mac;
      sqlite3_bind_int64(insert_, 1, e.seq);
      int i = 2;
      for (const std::string* v : {&e.time, &e.key_id, &e.action, &e.document, &e.document_number,
                                   &e.verdict, &e.reasons, &e.detail, &e.mac, &e.personal}) {
        sqlite3_bind_text(insert_, i++, v->data(), static_cast<int>(v->size()), SQLITE_STATIC);
      }
      const int step = sqlite3_step(insert_);
      sqlite3_reset(insert_);
      if (step != SQLITE_DONE) return Rollback();
    }
    // Every block this append completed gets its filter, in the same
    // transaction.
    if (blooms_) {
      const std::int64_t first = entries.front().seq;
      for (std::int64_t end = (first + kBlock - 1) / kBlock * kBlock; end <= seq; end += kBlock) {
        if (!WriteBloom(end / kBlock - 1)) return Rollback();
      }
    }
    if (!Step(commit_)) return Rollback();
    return {};
  }

  Status Scan(std::int64_t after_seq,
              const std::function<bool(const TrailEntry&)>& visit) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* s =
        Prepare(std::string("SELECT ") + kColumns + " FROM audit WHERE seq > ?1 ORDER BY seq");
    if (s == nullptr) return Failure();
    sqlite3_bind_int64(s, 1, after_seq);
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (!visit(Row(s))) {
        rc = SQLITE_DONE;
        break;
      }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Failure();
    return {};
  }

  Result<std::vector<TrailEntry>> Query(const TrailQuery& q) override {
    std::lock_guard lock(mu_);
    // seq > ?1 AND seq <= ?2: one range of seq at a time.
    std::string sql =
        std::string("SELECT ") + kColumns + " FROM audit WHERE seq > ?1 AND seq <= ?2";
    std::vector<const std::string*> args;
    auto filter = [&](const std::string& value, const char* clause) {
      if (value.empty()) return;
      args.push_back(&value);
      sql += " AND " + std::string(clause) + std::to_string(args.size() + 2);
    };
    filter(q.from, "time >= ?");
    filter(q.to, "time < ?");
    filter(q.key_id, "key_id = ?");
    filter(q.action, "action = ?");
    filter(q.verdict, "verdict = ?");
    filter(q.document, "document = ?");
    sql += " ORDER BY seq LIMIT " + std::to_string(q.limit);
    // Everything after after_seq; with a document and the filters, only the
    // blocks that may hold it and the last, unfinished one.
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges = {
        {q.after_seq, std::numeric_limits<std::int64_t>::max()}};
    if (blooms_ && !q.document.empty()) {
      auto candidates = CandidateRanges(q.document, q.after_seq);
      if (!candidates) return candidates.error();
      ranges = std::move(*candidates);
    }
    sqlite3_stmt* s = Prepare(sql);
    if (s == nullptr) return Failure();
    std::vector<TrailEntry> out;
    for (const auto& [after, last] : ranges) {
      sqlite3_bind_int64(s, 1, std::max(after, q.after_seq));
      sqlite3_bind_int64(s, 2, last);
      for (std::size_t i = 0; i < args.size(); ++i) {
        sqlite3_bind_text(s, static_cast<int>(i) + 3, args[i]->data(),
                          static_cast<int>(args[i]->size()), SQLITE_STATIC);
      }
      int rc = 0;
      while (out.size() < q.limit && (rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(Row(s));
      sqlite3_reset(s);
      if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != 0) {
        sqlite3_finalize(s);
        return Failure();
      }
      if (out.size() >= q.limit) break;
    }
    sqlite3_finalize(s);
    return out;
  }

  Result<std::int64_t> LastPersonalBefore(const std::string& time,
                                          std::int64_t after_seq) override {
    std::lock_guard lock(mu_);
    // No time index (see the file comment), and appends wait while this
    // runs: the last entry before `time` by bisection over seq (times grow
    // with it), then a pass over the entries after `after_seq` up to it.
    auto last = Int("SELECT coalesce(max(seq), 0) FROM audit", [](sqlite3_stmt*) {});
    if (!last) return last.error();
    auto erased = ErasedUpto();
    if (!erased) return erased.error();
    after_seq = std::max(after_seq, *erased);
    sqlite3_stmt* at = Prepare("SELECT seq, time FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT 1");
    if (at == nullptr) return Failure();
    std::int64_t lo = after_seq, hi = *last + 1;  // lo: before `time`; hi: not
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      sqlite3_bind_int64(at, 1, mid);
      const bool row = sqlite3_step(at) == SQLITE_ROW;
      const std::int64_t seq = row ? sqlite3_column_int64(at, 0) : hi;
      const bool before = row && ColumnText(at, 1) < time;
      sqlite3_reset(at);
      if (seq >= hi) {
        hi = mid;  // no entry from mid to hi
      } else if (before) {
        lo = seq;
      } else {
        hi = seq;
      }
    }
    sqlite3_finalize(at);
    if (lo <= after_seq) return std::int64_t{0};
    return Int(
        "SELECT coalesce(max(seq), 0) FROM audit WHERE seq > ?1 AND seq <= ?2 AND (document <> '' "
        "OR document_number <> '') AND personal <> ''",
        [&](sqlite3_stmt* s) {
          sqlite3_bind_int64(s, 1, after_seq);
          sqlite3_bind_int64(s, 2, lo);
        });
  }

  Result<std::int64_t> ErasePersonal(std::int64_t after_seq, std::int64_t upto_seq) override {
    std::lock_guard lock(mu_);
    if (!Exec("BEGIN IMMEDIATE")) return Failure();
    auto done = ErasedUpto();
    if (!done) return Rollback();
    after_seq = std::max(after_seq, *done);
    // Where the erasure has reached, kept with it: the next pass (the next
    // start of the service too) begins there, not at the trail's first
    // entry, and appends do not wait on a scan of the erased years.
    const auto mark = [&] {
      sqlite3_stmt* m = Prepare(
          "INSERT INTO audit_erased (id, upto) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET "
          "upto = max(upto, excluded.upto)");
      if (m == nullptr) return false;
      sqlite3_bind_int64(m, 1, upto_seq);
      const bool ok = sqlite3_step(m) == SQLITE_DONE;
      sqlite3_finalize(m);
      return ok;
    };
    const auto bind = [&](sqlite3_stmt* s) {
      sqlite3_bind_int64(s, 1, after_seq);
      sqlite3_bind_int64(s, 2, upto_seq);
    };
    auto first = Int(
        "SELECT coalesce(min(seq), 0) FROM audit WHERE seq > ?1 AND seq <= ?2 AND (document <> '' "
        "OR document_number <> '') AND personal <> ''",
        bind);
    auto last = Int("SELECT coalesce(max(seq), 0) FROM audit", [](sqlite3_stmt*) {});
    if (!first || !last) return Rollback();
    if (*first == 0) {
      if (!mark() || !Exec("COMMIT")) return Rollback();
      return std::int64_t{0};
    }
    sqlite3_stmt* s = Prepare(
        "UPDATE audit SET document = '', document_number = '' WHERE seq >= ?1 AND seq <= ?2 AND "
        "(document <> '' OR document_number <> '') AND personal <> ''");
    if (s == nullptr) return Rollback();
    sqlite3_bind_int64(s, 1, *first);
    sqlite3_bind_int64(s, 2, upto_seq);
    const bool updated = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    if (!updated) return Rollback();
    const std::int64_t erased = sqlite3_changes64(db_);
    // The filters of the blocks changed are written again without the
    // erased documents (a filter would still answer for them); a block not
    // yet complete has none.
    if (blooms_) {
      for (std::int64_t block = (*first - 1) / kBlock;
           block <= (upto_seq - 1) / kBlock && (block + 1) * kBlock <= *last; ++block) {
        if (!WriteBloom(block)) return Rollback();
      }
    }
    if (!mark() || !Exec("COMMIT")) return Rollback();
    cache_.clear();
    cache_first_ = 0;
    // secure_delete zeroed the old values in the file's pages; the WAL's
    // frames from before still hold them until it is copied back and
    // emptied (readers may hold that off: the next restart does it).
    (void)sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    return erased;
  }

 private:
  // The entry up to which every document field that may be is erased.
  Result<std::int64_t> ErasedUpto() {
    return Int("SELECT coalesce(max(upto), 0) FROM audit_erased", [](sqlite3_stmt*) {});
  }

  // The one integer a query gives (its parameters bound by `bind`).
  Result<std::int64_t> Int(const char* sql, const std::function<void(sqlite3_stmt*)>& bind) {
    sqlite3_stmt* s = Prepare(sql);
    if (s == nullptr) return Failure();
    bind(s);
    const bool row = sqlite3_step(s) == SQLITE_ROW;
    const std::int64_t value = row ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    if (!row) return Failure();
    return value;
  }

  bool TableExists(const char* name) {
    sqlite3_stmt* s = Prepare(std::string("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                          "name = '") +
                              name + "'");
    const bool found = s != nullptr && sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
  }

  // The filter's bit positions for a document: double hashing of its 64-bit
  // FNV-1a (the document is itself a keyed hash, so no more is needed).
  static void BloomBits(const std::string& document, std::array<std::uint32_t, kHashes>& bits) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : document) h = (h ^ c) * 1099511628211ull;
    const std::uint32_t a = static_cast<std::uint32_t>(h),
                        b = static_cast<std::uint32_t>(h >> 32) | 1;
    for (std::size_t i = 0; i < kHashes; ++i)
      bits[i] = (a + static_cast<std::uint32_t>(i) * b) % kBloomBits;
  }

  // Block `block` (seq block*kBlock+1 .. (block+1)*kBlock), read back from
  // the table.
  bool WriteBloom(std::int64_t block) {
    std::vector<unsigned char> bloom(kBloomBits / 8, 0);
    sqlite3_stmt* s = Prepare("SELECT document FROM audit WHERE seq > ?1 AND seq <= ?2");
    if (s == nullptr) return false;
    sqlite3_bind_int64(s, 1, block * kBlock);
    sqlite3_bind_int64(s, 2, (block + 1) * kBlock);
    std::array<std::uint32_t, kHashes> bits{};
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const std::string document = ColumnText(s, 0);
      if (document.empty()) continue;
      BloomBits(document, bits);
      for (std::uint32_t bit : bits) bloom[bit / 8] |= static_cast<unsigned char>(1u << (bit % 8));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return false;
    sqlite3_stmt* put =
        Prepare("INSERT OR REPLACE INTO audit_blooms (block, bits) VALUES (?1, ?2)");
    if (put == nullptr) return false;
    sqlite3_bind_int64(put, 1, block);
    sqlite3_bind_blob(put, 2, bloom.data(), static_cast<int>(bloom.size()), SQLITE_STATIC);
    const bool ok = sqlite3_step(put) == SQLITE_DONE;
    sqlite3_finalize(put);
    return ok;
  }

  // The ranges (after, last] of seq to read, in order: the blocks from
  // `after_seq` on whose filter may hold `document`, and everything after
  // the last filter.
  // The newest kCachedBlocks filters are kept in memory (they never change
  // once written); older ones are read for each lookup.
  Result<std::vector<std::pair<std::int64_t, std::int64_t>>> CandidateRanges(
      const std::string& document, std::int64_t after_seq) {
    std::array<std::uint32_t, kHashes> bits{};
    BloomBits(document, bits);
    auto may_hold = [&](const unsigned char* bloom, std::size_t size) {
      if (bloom == nullptr || size != kBloomBits / 8) return true;  // not a filter: read the block
      for (std::uint32_t bit : bits) {
        if (((bloom[bit / 8] >> (bit % 8)) & 1u) == 0) return false;
      }
      return true;
    };
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    auto add = [&](std::int64_t block) { out.emplace_back(block * kBlock, (block + 1) * kBlock); };
    // Filters written since the last lookup join the cache.
    sqlite3_stmt* s =
        Prepare("SELECT block, bits FROM audit_blooms WHERE block >= ?1 ORDER BY block");
    if (s == nullptr) return Failure();
    sqlite3_bind_int64(s, 1, cache_first_ + static_cast<std::int64_t>(cache_.size()));
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const std::int64_t block = sqlite3_column_int64(s, 0);
      while (cache_first_ + static_cast<std::int64_t>(cache_.size()) < block)
        cache_.emplace_back();  // a block without a filter: read whenever asked
      const auto* bloom = static_cast<const char*>(sqlite3_column_blob(s, 1));
      cache_.emplace_back(bloom != nullptr ? bloom : "",
                          static_cast<std::size_t>(sqlite3_column_bytes(s, 1)));
      while (cache_.size() > kCachedBlocks) {
        cache_.pop_front();
        ++cache_first_;
      }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Failure();
    const std::int64_t from = after_seq / kBlock;
    if (from < cache_first_) {
      // Blocks older than the cache, from the table.
      s = Prepare("SELECT block, bits FROM audit_blooms WHERE block >= ?1 AND block < ?2");
      if (s == nullptr) return Failure();
      sqlite3_bind_int64(s, 1, from);
      sqlite3_bind_int64(s, 2, cache_first_);
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (may_hold(static_cast<const unsigned char*>(sqlite3_column_blob(s, 1)),
                     static_cast<std::size_t>(sqlite3_column_bytes(s, 1)))) {
          add(sqlite3_column_int64(s, 0));
        }
      }
      sqlite3_finalize(s);
      if (rc != SQLITE_DONE) return Failure();
    }
    for (std::size_t i = 0; i < cache_.size(); ++i) {
      const std::int64_t block = cache_first_ + static_cast<std::int64_t>(i);
      if (block < from) continue;
      if (may_hold(reinterpret_cast<const unsigned char*>(cache_[i].data()), cache_[i].size()))
        add(block);
    }
    const std::int64_t next = cache_first_ + static_cast<std::int64_t>(cache_.size());
    out.emplace_back(next * kBlock, std::numeric_limits<std::int64_t>::max());
    return out;
  }

  // Called by SQLite after each commit of db_ with the WAL's size.
  static int AfterCommit(void* self, sqlite3* db, const char*, int frames) {
    auto* store = static_cast<SqliteAuditStore*>(self);
    if (frames >= kMaxFrames) {
      // Far behind: this append copies the WAL itself, and the next one
      // starts it over (nothing else writes meanwhile).
      (void)sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= kWakeFrames) {
      store->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  // Woken by AfterCommit (or every second), a PASSIVE checkpoint: it copies
  // what no reader still needs and never blocks an append. Under steady
  // appends it never quite catches up, so the WAL would only grow: once it
  // holds kRestartFrames, a RESTART right after the passive pass copies the
  // few frames left (the appends wait for that, a few milliseconds) and lets
  // the next append start the WAL over (journal_size_limit then truncates
  // the file).
  void Checkpoints() {
    std::unique_lock lock(checkpoint_mu_);
    while (!stopping_) {
      checkpoint_cv_.wait_for(lock, std::chrono::seconds(1));
      if (stopping_) break;
      lock.unlock();
      int frames = 0, copied = 0;
      const int rc = sqlite3_wal_checkpoint_v2(checkpoint_db_, "main", SQLITE_CHECKPOINT_PASSIVE,
                                               &frames, &copied);
      if (rc == SQLITE_OK && frames >= kRestartFrames) {
        (void)sqlite3_wal_checkpoint_v2(checkpoint_db_, "main", SQLITE_CHECKPOINT_RESTART, nullptr,
                                        nullptr);
      }
      lock.lock();
    }
  }

  bool Exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  sqlite3_stmt* Prepare(const std::string& sql) { return internal::PrepareStatement(db_, sql); }
  // Runs a statement without results and resets it.
  static bool Step(sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
  }
  static TrailEntry Row(sqlite3_stmt* s) {
    TrailEntry e;
    e.seq = sqlite3_column_int64(s, 0);
    e.time = ColumnText(s, 1);
    e.key_id = ColumnText(s, 2);
    e.action = ColumnText(s, 3);
    e.document = ColumnText(s, 4);
    e.document_number = ColumnText(s, 5);
    e.verdict = ColumnText(s, 6);
    e.reasons = ColumnText(s, 7);
    e.detail = ColumnText(s, 8);
    e.mac = ColumnText(s, 9);
    e.personal = ColumnText(s, 10);
    return e;
  }
  Error Failure() const {
    return Error{ErrorCode::kUnavailable,
                 std::string("audit trail: ") + sqlite3_errmsg(db_) + OsReason(db_)};
  }
  Error Rollback() {
    Error e = Failure();
    Exec("ROLLBACK");
    return e;
  }

  sqlite3* db_;
  bool blooms_ = false;            // documents found by block filters (else by an index)
  std::deque<std::string> cache_;  // filters of blocks cache_first_ ...
  std::int64_t cache_first_ = 0;
  sqlite3* checkpoint_db_ = nullptr;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stopping_ = false;
  sqlite3_stmt *begin_ = nullptr, *last_ = nullptr, *insert_ = nullptr, *commit_ = nullptr;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<AuditStore>> OpenSqliteAuditStore(const std::string& path) {
  return internal::OpenSqliteStore<SqliteAuditStore, AuditStore>(path, "audit trail");
}

}  // namespace tdv::lists
