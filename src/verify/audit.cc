// SPDX-License-Identifier: Apache-2.0
#include "tdv/verify/audit.h"

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "tdv/sig/digest.h"

namespace tdv::verify {
namespace {

using lists::TrailEntry;

constexpr std::size_t kMaxProblems = 20;

// Each field with its length before it: no choice of field contents makes
// two different entries hash alike.
void Field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

// What an entry's MAC covers: its fields, with the digest of its personal
// fields in their place (an entry written before digests: the fields).
std::string MacInput(const TrailEntry& e, const std::string& prev_mac) {
  std::string in;
  in.reserve(256);
  if (!e.personal.empty()) in = "v2";
  Field(in, std::to_string(e.seq));
  for (const std::string* v : {&e.time, &e.key_id, &e.action}) Field(in, *v);
  if (e.personal.empty()) {
    Field(in, e.document);
    Field(in, e.document_number);
  } else {
    Field(in, e.personal);
  }
  for (const std::string* v : {&e.verdict, &e.reasons, &e.detail, &prev_mac}) Field(in, *v);
  return in;
}

std::string PersonalInput(std::string_view document, std::string_view document_number) {
  std::string in;
  Field(in, document);
  Field(in, document_number);
  return in;
}

// An erasure's entry: "upto_seq=N before=TIME"; its N, or 0.
std::int64_t ErasedUpTo(const TrailEntry& e) {
  constexpr std::string_view kKey = "upto_seq=";
  if (e.action != kEraseAction || e.detail.compare(0, kKey.size(), kKey) != 0) return 0;
  std::int64_t n = 0;
  for (std::size_t i = kKey.size(); i < e.detail.size() && e.detail[i] >= '0' &&
                                    e.detail[i] <= '9' && n < (std::int64_t{1} << 58);
       ++i)
    n = n * 10 + (e.detail[i] - '0');
  return n;
}

std::string CheckpointInput(const Checkpoint& c) {
  std::string in = "tdv-audit-checkpoint";
  Field(in, std::to_string(c.seq));
  Field(in, c.mac);
  Field(in, c.time);
  return in;
}

bool LowerHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct Pending {
  std::vector<TrailEntry> entries;
  Status status;
  bool done = false;
};
}  // namespace

struct AuditTrail::Impl {
  std::unique_ptr<lists::AuditStore> store;
  std::unique_ptr<sig::HmacSha256> chain_mac, document_mac, checkpoint_mac, personal_mac;
  std::int64_t committed_seq = 0;  // the newest entry this process committed (under mu)
  std::string committed_mac;
  std::int64_t erased_upto = 0;  // document fields erased up to here by this process (under mu)
  AuditOptions options;
  // Group commit without a writer thread: whoever finds no commit running
  // commits everything queued (its own entries and others'), the rest wait
  // for it. One transaction per round, no thread hand-off for the leader.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Pending*> queue;
  bool committing = false;
  std::size_t last_batch = 0;  // entries in the last commit
  static constexpr int kMaxYields = 4;

  // 128 bits of HMAC-SHA-256: ample against forgery, half the storage.
  std::string Seal(const TrailEntry& e, const std::string& prev_mac) const {
    return chain_mac->Hex(MacInput(e, prev_mac), 32);
  }

  std::string Personal(std::string_view document, std::string_view document_number) const {
    return personal_mac->Hex(PersonalInput(document, document_number), 32);
  }

  Status Submit(std::vector<TrailEntry> entries) {
    for (TrailEntry& e : entries) {
      if (e.time.empty()) e.time = NowWithMillis();
      e.personal = Personal(e.document, e.document_number);
    }
    Pending mine;
    mine.entries = std::move(entries);
    std::unique_lock lock(mu);
    queue.push_back(&mine);
    while (!mine.done) {
      if (committing) {
        cv.wait(lock);
        continue;
      }
      committing = true;
      // When verifications run side by side (the last commit carried more
      // than one), give them the core a few times to queue their entries
      // into this commit, as long as each turn brings more: one commit for
      // many entries instead of one each. Measured at 64 connections: 21,000
      // -> 29,000 verifications/s, p99 15 -> 3.6 ms. A lone client (batches
      // of one) never waits.
      for (int turn = 0; turn < kMaxYields && last_batch > 1; ++turn) {
        const std::size_t queued = queue.size();
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
        if (queue.size() == queued) break;
      }
      std::vector<Pending*> batch;
      batch.swap(queue);
      last_batch = batch.size();
      lock.unlock();
      std::vector<TrailEntry> all;
      for (Pending* p : batch) {
        for (TrailEntry& e : p->entries) all.push_back(std::move(e));
      }
      const Status s = store->Append(
          all, [this](const TrailEntry& e, const std::string& prev) { return Seal(e, prev); });
      lock.lock();
      if (s && !all.empty() && all.back().seq > committed_seq) {
        committed_seq = all.back().seq;
        committed_mac = all.back().mac;
      }
      for (Pending* p : batch) {
        p->status = s;
        p->done = true;
      }
      committing = false;
      cv.notify_all();
    }
    return mine.status;
  }
};

AuditTrail::AuditTrail(std::unique_ptr<lists::AuditStore> store, std::string secret,
                       AuditOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = std::move(store);
  // Two keys from the one secret, so that a document hash never doubles as
  // a chain MAC.
  impl_->chain_mac =
      std::make_unique<sig::HmacSha256>(sig::HmacSha256Hex(secret, "tdv audit chain"));
  impl_->document_mac =
      std::make_unique<sig::HmacSha256>(sig::HmacSha256Hex(secret, "tdv audit document"));
  impl_->checkpoint_mac =
      std::make_unique<sig::HmacSha256>(sig::HmacSha256Hex(secret, "tdv audit checkpoint"));
  impl_->personal_mac =
      std::make_unique<sig::HmacSha256>(sig::HmacSha256Hex(secret, "tdv audit personal"));
  impl_->options = options;
}

AuditTrail::~AuditTrail() = default;

std::string AuditTrail::DocumentHash(std::string_view state, std::string_view type,
                                     std::string_view number) const {
  std::string in;
  Field(in, state);
  Field(in, type);
  Field(in, number);
  return impl_->document_mac->Hex(in, 32);
}

TrailEntry AuditTrail::VerificationEntry(std::string_view actor,
                                         const VerificationReport& report) const {
  TrailEntry e;
  e.key_id = std::string(actor);
  e.action = "verify";
  const mrz::Mrz& m = report.mrz;
  if (m.document_number.present && !m.document_number.value.empty()) {
    const std::string type = m.document_code.value.substr(0, 1);
    e.document = DocumentHash(m.issuing_state.value, type, m.document_number.value);
    if (impl_->options.document_number_in_clear) e.document_number = m.document_number.value;
  }
  e.verdict = VerdictName(report.verdict);
  for (const Reason& r : report.reasons) {
    if (!e.reasons.empty()) e.reasons += ',';
    e.reasons += r.code;
  }
  e.detail = "source=" + report.mrz_source;
  return e;
}

TrailEntry AuditTrail::ChangeEntry(std::string_view actor, std::string_view action,
                                   std::string_view detail) {
  TrailEntry e;
  e.key_id = std::string(actor);
  e.action = std::string(action);
  e.detail = std::string(detail);
  return e;
}

Status AuditTrail::Record(TrailEntry entry) {
  std::vector<TrailEntry> one;
  one.push_back(std::move(entry));
  return impl_->Submit(std::move(one));
}

Status AuditTrail::RecordAll(std::vector<TrailEntry> entries) {
  return impl_->Submit(std::move(entries));
}

std::string NowWithMillis() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) %
                  std::chrono::milliseconds(1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return text;
}

std::string CheckpointText(const Checkpoint& c) {
  return "tdv-audit-checkpoint seq=" + std::to_string(c.seq) + " mac=" + c.mac + " time=" + c.time +
         " sig=" + c.signature;
}

std::optional<Checkpoint> ParseCheckpoint(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  std::vector<std::string_view> words;
  while (!text.empty()) {
    const std::size_t end = text.find(' ');
    words.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  if (words.size() != 5 || words[0] != "tdv-audit-checkpoint") return std::nullopt;
  const auto value = [&](std::size_t i, std::string_view name) -> std::optional<std::string_view> {
    if (words[i].substr(0, name.size() + 1) != std::string(name) + "=") return std::nullopt;
    return words[i].substr(name.size() + 1);
  };
  const auto seq = value(1, "seq"), mac = value(2, "mac"), time = value(3, "time"),
             sig = value(4, "sig");
  if (!seq || !mac || !time || !sig || seq->empty() || seq->size() > 18 ||
      seq->find_first_not_of("0123456789") != std::string_view::npos || !LowerHex(*mac) ||
      time->empty() || !LowerHex(*sig))
    return std::nullopt;
  Checkpoint c;
  c.seq = std::stoll(std::string(*seq));
  if (c.seq < 1) return std::nullopt;
  c.mac = std::string(*mac);
  c.time = std::string(*time);
  c.signature = std::string(*sig);
  return c;
}

Checkpoint AuditTrail::MakeCheckpoint(std::int64_t seq, std::string mac) const {
  Checkpoint c;
  c.seq = seq;
  c.mac = std::move(mac);
  c.time = NowWithMillis();
  c.signature = impl_->checkpoint_mac->Hex(CheckpointInput(c));
  return c;
}

bool AuditTrail::CheckpointSigned(const Checkpoint& checkpoint) const {
  return sig::ConstantTimeEqual(impl_->checkpoint_mac->Hex(CheckpointInput(checkpoint)),
                                checkpoint.signature);
}

std::pair<std::int64_t, std::string> AuditTrail::LastCommitted() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->committed_seq, impl_->committed_mac};
}

Result<ChainCheck> AuditTrail::VerifyChain(const Checkpoint* against) const {
  ChainCheck check;
  std::int64_t expected = 1;
  std::string prev;
  auto problem = [&](std::int64_t seq, const std::string& what) {
    ++check.problem_count;
    if (check.problems.size() < kMaxProblems)
      check.problems.push_back("seq " + std::to_string(seq) + ": " + what);
  };
  // Entries whose personal fields are gone, and how far the erasures the
  // trail records reach.
  const std::string none = impl_->Personal("", "");
  std::int64_t last_erased = 0, erasures_reach = 0;
  Status s = impl_->store->Scan(0, [&](const TrailEntry& e) {
    ++check.entries;
    // The MAC covers the entry and the MAC before it: an entry that was
    // altered, or that follows another entry than it was written after
    // (removed, moved or replaced entries before it), fails.
    if (e.seq != expected) {
      problem(e.seq, std::to_string(e.seq - expected) +
                         " entries before it are missing (from seq " + std::to_string(expected) +
                         ")");
    } else if (!sig::ConstantTimeEqual(impl_->Seal(e, prev), e.mac)) {
      problem(e.seq, "altered, or not the entry written after seq " + std::to_string(e.seq - 1) +
                         " (its MAC does not match)");
    } else if (!e.personal.empty()) {
      // The MAC covers the digest: the fields must still give it, or be
      // erased.
      if (e.document.empty() && e.document_number.empty()) {
        if (e.personal != none) {
          ++check.erased;
          last_erased = e.seq;
        }
      } else if (!sig::ConstantTimeEqual(impl_->Personal(e.document, e.document_number),
                                         e.personal)) {
        problem(e.seq,
                "its document fields were altered (they no longer give the digest the "
                "chain covers)");
      }
      erasures_reach = std::max(erasures_reach, ErasedUpTo(e));  // a proven erasure only
    }
    if (against != nullptr && e.seq == against->seq && e.mac != against->mac) {
      problem(e.seq, "not the entry the checkpoint of " + against->time +
                         " records (the trail was rewritten from here)");
    }
    expected = e.seq + 1;
    prev = e.mac;
    check.head_seq = e.seq;
    check.head_mac = e.mac;
    return true;
  });
  if (!s) return s.error();
  if (last_erased > erasures_reach) {
    problem(last_erased,
            "its document fields were erased, but no erasure in the trail reaches it "
            "(erasures recorded up to seq " +
                std::to_string(erasures_reach) + ")");
  }
  if (against != nullptr && check.head_seq < against->seq) {
    check.missing = against->seq - check.head_seq;
    problem(against->seq, std::to_string(check.missing) +
                              (check.missing == 1 ? " entry" : " entries") +
                              " missing at the end: the checkpoint of " + against->time +
                              " records seq " + std::to_string(against->seq) +
                              ", the trail ends at seq " + std::to_string(check.head_seq));
  }
  return check;
}

Result<Erasure> AuditTrail::ErasePersonal(const std::string& before, std::string_view actor) {
  Erasure out;
  // Entries up to erased_upto are erased already (by this process).
  std::int64_t after;
  {
    std::lock_guard lock(impl_->mu);
    after = impl_->erased_upto;
  }
  auto upto = impl_->store->LastPersonalBefore(before, after);
  if (!upto) return upto.error();
  if (*upto == 0) return out;
  // Recorded first: an erasure the trail does not record is tampering.
  // Should the erasure then fail, the next one takes the same entries.
  if (Status r = Record(ChangeEntry(actor, kEraseAction,
                                    "upto_seq=" + std::to_string(*upto) + " before=" + before));
      !r)
    return r.error();
  auto erased = impl_->store->ErasePersonal(after, *upto);
  if (!erased) return erased.error();
  {
    std::lock_guard lock(impl_->mu);
    impl_->erased_upto = std::max(impl_->erased_upto, *upto);
  }
  out.upto_seq = *upto;
  out.entries = *erased;
  return out;
}

Result<std::vector<TrailEntry>> AuditTrail::Query(const lists::TrailQuery& query) const {
  return impl_->store->Query(query);
}

}  // namespace tdv::verify
