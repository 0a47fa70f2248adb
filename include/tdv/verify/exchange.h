// SPDX-License-Identifier: Apache-2.0
// Checking a document against a partner agency's list without either side
// disclosing its data (docs/exchange.md): the pieces that need no network.
//
// Agency A shares lists; TDV publishes, for every record of them, the
// OPRF outputs (sig/oprf.h, A's secret key) of two inputs: the record's
// exact key and its look-alike key. Agency B checks a document by blinding
// the same inputs for it (Probes), having A evaluate them, finalising, and
// looking the outputs up in A's published set (PublishedSet::Find). A sees
// blinded points only; B learns only which of its own probes are in A's set
// and, for a hit, the list and a reference to quote when asking A to
// confirm. Outputs are published cut to 16 bytes: a chance collision among
// a billion entries has probability about 2^-68.
//
// Inputs: "E|<state>|<family>|<number>" and "L|<state>|<family>|<key>",
// state without fillers ("D"), family TypeFamily ("P", "I", ...), number
// normalised (NormalizeNumber), key a look-alike key (lists::LookAlikeKeys:
// the record's ConfusionKey; a document's ConfusionKey and its
// equal-weight variants), so that a misread number stays a possible match
// as it does against a local list.
//
// Thread safety: a PublishedSet is immutable once built; Find may run from
// any number of threads.
#ifndef TDV_VERIFY_EXCHANGE_H_
#define TDV_VERIFY_EXCHANGE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/lists/list_store.h"
#include "tdv/lists/record.h"
#include "tdv/mrz/date.h"
#include "tdv/mrz/result.h"

namespace tdv::verify::exchange {

inline constexpr std::size_t kPublishedBytes = 16;
using Output = std::array<std::uint8_t, kPublishedBytes>;

struct Probe {
  bool look_alike = false;
  std::string input;
};

// The inputs a document is checked under: its exact input first, then one
// look-alike input per lists::LookAlikeKeys. Empty when the number does not
// normalise (nothing to check).
std::vector<Probe> Probes(std::string_view issuing_state, std::string_view document_type,
                          std::string_view document_number);

// A published entry: an output, the list it comes from (index into
// lists()), and whether it is a record's look-alike output.
struct Entry {
  Output output{};
  std::uint32_t list = 0;
  bool look_alike = false;
  bool operator==(const Entry&) const = default;
};

// What agency A shares of a record in its feed when its policy says so
// (feed_details; mode 2 only): the record's status and dates, keyed by its
// exact output and its document type (the two tell a list's records apart),
// never its number, reporting agency, reference or reason.
struct SharedDetails {
  Output exact{};
  std::string document_type;  // as A keys the record: "P", "PD", "ID"
  lists::RecordStatus status = lists::RecordStatus::kLost;
  std::optional<mrz::CivilDate> date_reported, expiry_date;
  bool operator==(const SharedDetails&) const = default;
};

// SharedDetails on the wire and on disk: kDetailsBytes bytes, the exact
// output, the type's first 2 characters (each a letter, else '<'; padded
// with '<'), the status (0-4, as lists::RecordStatus), then each date as a
// 4-byte little-endian YYYYMMDD (0: not given, or not a real date).
inline constexpr std::size_t kDetailsBytes = kPublishedBytes + 2 + 1 + 4 + 4;
void AppendDetails(std::string& out, const SharedDetails& details);
// nullopt when the bytes are not details: a type byte other than a letter
// or '<', a status out of range, a date that is not a real one.
std::optional<SharedDetails> ParseDetails(std::span<const std::uint8_t, kDetailsBytes> bytes);

// One record's change as a feed's delta carries it (mode 2): the record's
// two entries, whether it is listed after the change (an upsert) or not (a
// delete), a number telling the delta's records apart (records of one
// list that share an exact output: a number listed as a P and as a PD),
// and, where A shares them, its details (an upsert's as they are now; a
// delete's name its type).
struct KeyedChange {
  Entry exact, look_alike;
  bool listed = false;
  std::uint32_t record = 0;
  std::optional<SharedDetails> details;
  bool operator==(const KeyedChange&) const = default;
};

// The reference a hit on `entry` is confirmed by: "<list>:<first 8 bytes of
// the output in hex>". It names nothing A does not publish anyway; A finds
// the record from it (PublishedSet::Confirm).
std::string Reference(const std::string& list, const Output& output);

class PublishedSet {
 public:
  PublishedSet() = default;

  // A's side: the outputs of every record of `lists` in `store` under
  // `key` (sig::oprf), computed on `threads` threads. The records' keys are
  // kept for Confirm() only with `keep_records` (a service publishing a
  // large list keeps 17 bytes an output, not the records again).
  // kNotFound for a list the store does not have; the store's errors as
  // they come; kUnavailable as soon as `cancel` is set (a service stopping:
  // a million records take minutes).
  static Result<PublishedSet> Build(lists::ListStore& store, const std::vector<std::string>& lists,
                                    std::span<const std::uint8_t> key, int threads,
                                    bool keep_records = false,
                                    const std::atomic<bool>* cancel = nullptr);

  // Mode 2, a feed for partners that must work offline: the same entries
  // with HMAC-SHA-256 under `feed_key` (FeedKey: one per partner) in place
  // of the OPRF, cut alike.
  // With `with_details` (A's feed_details) the set also carries each
  // record's SharedDetails.
  static Result<PublishedSet> BuildKeyed(lists::ListStore& store,
                                         const std::vector<std::string>& lists,
                                         std::string_view feed_key, int threads,
                                         bool keep_records = false, bool with_details = false);

  // A's side, after changes to the lists: this set (of Build, under the
  // same `key`) with the store's `changes` since sequence() applied, as
  // Build would make it at the last change's sequence, evaluating only the
  // records that changed (a delta of a hundred records on a list of
  // millions costs milliseconds, not a minute). Changes to lists not in
  // the set are passed over. kUnsupported when the changes cannot
  // be applied record by record (a list replaced or dropped, a set that
  // keeps its records): build the set again.
  Result<PublishedSet> Update(const std::vector<lists::ChangeEvent>& changes,
                              std::span<const std::uint8_t> key) const;

  // Mode 2's deltas, A's side: the store's `changes` to `lists` (others
  // passed over) as keyed changes under `feed_key`, in order. kUnsupported
  // when a list was replaced or dropped (the partner takes the feed whole).
  static Result<std::vector<KeyedChange>> KeyedChanges(
      const std::vector<std::string>& lists, const std::vector<lists::ChangeEvent>& changes,
      std::string_view feed_key);

  // This set with `changes` applied, at `sequence`: what Update does once
  // the changes are evaluated, and what B does with a feed's delta. A set
  // that shares details keeps sharing them only when every change carries
  // its details (else the result shares none: details half current would
  // mislead; the next whole feed brings them again).
  // Applying changes the set already reflects changes nothing; where a
  // change cannot tell an update from a record added beside another of the
  // same exact output, the entry count tells (the caller compares it with
  // the records' count: 2 entries a record).
  PublishedSet Apply(const std::vector<KeyedChange>& changes, std::int64_t sequence) const;

  // This set with `removed` taken out (each once: several records may
  // stand for one look-alike entry) and `added` put in, at `sequence`.
  PublishedSet Patched(std::vector<Entry> added, const std::vector<Entry>& removed,
                       std::int64_t sequence) const;

  // B's side: a set as A published it (entries in any order).
  // With `details` (nullopt: none shared) the records' details as A shares
  // them.
  static PublishedSet FromEntries(std::vector<std::string> lists, std::vector<Entry> entries,
                                  std::int64_t sequence,
                                  std::optional<std::vector<SharedDetails>> details = std::nullopt);

  // The entries whose output starts with the first kPublishedBytes of
  // `output` (a finalised output of kOutputBytes, or a published one).
  std::vector<Entry> Find(std::span<const std::uint8_t> output) const;

  // A's side: the records a reference names, as the store keys them (none
  // when it names nothing; only a set built with keep_records knows them).
  // A look-alike reference names every record with that look-alike key.
  struct RecordKey {
    std::string list, issuing_state, document_type, document_number;
    bool look_alike = false;  // the reference is of the record's look-alike output
  };
  std::vector<RecordKey> Confirm(std::string_view reference) const;

  const std::vector<std::string>& lists() const { return lists_; }
  const std::vector<Entry>& entries() const { return entries_; }  // sorted by output
  std::int64_t sequence() const { return sequence_; }             // the store's change sequence
  // Whether the set carries its records' details (a feed of a partner that
  // shares them), and those details, sorted by exact output and type.
  bool shares_details() const { return shares_details_; }
  const std::vector<SharedDetails>& details() const { return details_; }
  // The details of the records whose exact output is `exact`.
  std::vector<SharedDetails> DetailsOf(const Output& exact) const;

 private:
  static Result<PublishedSet> BuildWith(
      lists::ListStore& store, const std::vector<std::string>& lists,
      const std::function<Result<Output>(const std::string&)>& output_of, int threads,
      bool keep_records, bool with_details = false);
  static Result<std::vector<KeyedChange>> Evaluate(
      const std::vector<std::string>& lists, const std::vector<lists::ChangeEvent>& changes,
      const std::function<Result<Output>(const std::string&)>& output_of);
  Result<PublishedSet> UpdateWith(
      const std::vector<lists::ChangeEvent>& changes,
      const std::function<Result<Output>(const std::string&)>& output_of) const;
  void Sort();
  void SortDetails();
  std::vector<std::string> lists_;
  std::vector<Entry> entries_;
  std::vector<RecordKey> records_;  // parallel to entries_ (Build only)
  std::int64_t sequence_ = 0;
  bool shares_details_ = false;
  std::vector<SharedDetails> details_;  // sorted by (exact, document_type)
};

// What changed between two publications of a set of the same lists (mode
// 1's outputs fetched as a delta): `to` is `from`.Patched(added, removed).
struct SetDelta {
  std::int64_t from = 0, to = 0;  // the two sets' sequences
  std::vector<Entry> added, removed;
};
SetDelta Diff(const PublishedSet& from, const PublishedSet& to);

// B's side, one document against one partner: a hit on the partner's
// published outputs.
struct PartnerHit {
  std::string list;
  std::string reference;    // Reference(): what to quote when asking to confirm
  bool look_alike = false;  // a possible match (a misread, or a look-alike number)
  // An exact hit on a feed whose partner shares its records' details: the
  // details of each record the hit stands for (a number listed as a P and
  // as a PD: two). Empty otherwise.
  std::vector<SharedDetails> details;
};

// Sends blinded elements to the partner (its POST /v1/exchange/evaluate, one
// round trip) and returns its evaluated elements, in order.
using Evaluator = std::function<Result<std::vector<std::vector<std::uint8_t>>>(
    const std::vector<std::vector<std::uint8_t>>&)>;

// The document's probes (Probes) blinded with fresh scalars, evaluated by
// the partner through `evaluate`, finalised and looked up in `outputs` (the
// partner's published set as last fetched). Exact hits first. The
// evaluator's error as it comes (kUnavailable: the partner cannot be
// reached); kCorrupt when its answer is not one valid element per probe.
// Empty when the number does not normalise.
Result<std::vector<PartnerHit>> CheckDocument(const PublishedSet& outputs,
                                              const Evaluator& evaluate,
                                              std::string_view issuing_state,
                                              std::string_view document_type,
                                              std::string_view document_number);

// The key of partner `partner`'s feed (64 hex digits): HMAC-SHA-256 under
// A's exchange secret. A hands it to that partner alone; whoever holds it
// can test guessed numbers against the feed, so it is the partner's, not
// every partner's.
std::string FeedKey(std::span<const std::uint8_t> secret, std::string_view partner);

// B's side of a feed: the document's probes hashed under the feed's key and
// looked up in the feed, offline. Exact hits first.
std::vector<PartnerHit> CheckDocumentKeyed(const PublishedSet& feed, std::string_view feed_key,
                                           std::string_view issuing_state,
                                           std::string_view document_type,
                                           std::string_view document_number);

}  // namespace tdv::verify::exchange

#endif  // TDV_VERIFY_EXCHANGE_H_
