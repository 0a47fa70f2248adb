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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdv/lists/list_store.h"
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

// One record's change as a feed's delta carries it (mode 2): the record's
// two entries, whether it is listed after the change (an upsert) or not (a
// delete), and a number telling the delta's records apart (records of one
// list that share an exact output: a number listed as a P and as a PD).
struct KeyedChange {
  Entry exact, look_alike;
  bool listed = false;
  std::uint32_t record = 0;
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
  static Result<PublishedSet> BuildKeyed(lists::ListStore& store,
                                         const std::vector<std::string>& lists,
                                         std::string_view feed_key, int threads,
                                         bool keep_records = false);

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
  // the changes are evaluated, and what B does with a feed's delta.
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
  static PublishedSet FromEntries(std::vector<std::string> lists, std::vector<Entry> entries,
                                  std::int64_t sequence);

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

 private:
  static Result<PublishedSet> BuildWith(
      lists::ListStore& store, const std::vector<std::string>& lists,
      const std::function<Result<Output>(const std::string&)>& output_of, int threads,
      bool keep_records);
  static Result<std::vector<KeyedChange>> Evaluate(
      const std::vector<std::string>& lists, const std::vector<lists::ChangeEvent>& changes,
      const std::function<Result<Output>(const std::string&)>& output_of);
  Result<PublishedSet> UpdateWith(
      const std::vector<lists::ChangeEvent>& changes,
      const std::function<Result<Output>(const std::string&)>& output_of) const;
  void Sort();
  std::vector<std::string> lists_;
  std::vector<Entry> entries_;
  std::vector<RecordKey> records_;  // parallel to entries_ (Build only)
  std::int64_t sequence_ = 0;
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
