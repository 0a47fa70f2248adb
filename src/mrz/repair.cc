// SPDX-License-Identifier: Apache-2.0
// RepairMrz(): field-type coercion, then a bounded search over OCR
// alternatives for readings in which the check digits hold.
#include "tdv/mrz/repair.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>

#include "layout.h"
#include "tdv/mrz/check_digit.h"
#include "tdv/mrz/country_codes.h"

namespace tdv::mrz {

using internal::CharClass;
using internal::CheckSpec;
using internal::FieldId;
using internal::Layout;

namespace {

// OCR-B look-alikes, both ways. Sources: the open readers' issue trackers
// (mrz-ocr-notes.md): '<' read as K, S, E, G, C; 0/O/D/Q; plus the classic
// digit/letter pairs of the lists reference (O0, I1, B8, S5, Z2, G6).
constexpr std::pair<char, std::string_view> kConfusions[] = {
    {'0', "ODQU"}, {'1', "IL7T"}, {'2', "Z"},      {'3', "8B5"}, {'4', "A"},   {'5', "S63"},
    {'6', "G5B"},  {'7', "T1"},   {'8', "B3S"},    {'9', "G"},   {'A', "4"},   {'B', "86"},
    {'D', "0O"},   {'G', "6<"},   {'I', "1L"},     {'L', "1I<"}, {'O', "0DQ"}, {'Q', "0O"},
    {'S', "58<"},  {'T', "71"},   {'U', "0V"},     {'V', "U"},   {'Z', "2"},   {'K', "<"},
    {'C', "<"},    {'E', "<"},    {'<', "KCESGL"},
};

std::string_view LookAlikes(char c) {
  for (const auto& [from, to] : kConfusions) {
    if (from == c) return to;
  }
  return {};
}

constexpr std::size_t kMaxReadingsPerField = 128;

struct Slot {
  char ocr_best = 0;  // OCR's own first choice
  FieldId field = FieldId::kComposite;
  std::vector<CharCandidate> alts;  // fitting the class, best first
  std::vector<bool> looked_up;      // per alt: from the look-alike table only
};

// A set of changes: (slot index, alternative index >= 1).
struct Solution {
  std::vector<std::pair<int, int>> changes;
  double cost = 0;
};

class Repairer {
 public:
  Repairer(const Layout& layout, const RepairOptions& options)
      : layout_(layout), options_(options) {}

  RepairResult Run(const std::vector<LineCandidates>& input) {
    BuildSlots(input);
    RepairResult result;
    result.format = layout_.format;
    Reading(current_);
    // A stray symbol in a name's filler tail is a filler before any check
    // digit is weighed: a French card's check digit covers the name, and a
    // search run before it found ties that the cleared tail then settled
    // (the result "ambiguous" with every check digit holding; found by
    // fuzz_mrz_parse).
    ClearNameTail();
    if (!ChecksHold(current_)) Search(result);
    RepairCountryCodes();
    result.checks_satisfied = ChecksHold(current_);
    result.lines = current_;
    Report(result);
    MarkUncertain(result);
    return result;
  }

 private:
  int Index(int line, int pos) const { return line * layout_.line_length + pos; }

  void BuildSlots(const std::vector<LineCandidates>& input) {
    const int n = layout_.line_count * layout_.line_length;
    slots_.assign(static_cast<std::size_t>(n), Slot{});
    std::vector<CharClass> cls(static_cast<std::size_t>(n), CharClass::kAlnum);
    for (const auto& f : layout_.fields) {
      for (int i = 0; i < f.range.length; ++i) {
        const auto k = static_cast<std::size_t>(Index(f.range.line, f.range.start + i));
        cls[k] = f.cls;
        slots_[k].field = f.id;
      }
    }
    for (const auto& c : layout_.checks) {
      const auto k = static_cast<std::size_t>(Index(c.line, c.pos));
      cls[k] = CharClass::kDigits;
      slots_[k].field = c.guards;
    }
    // The document code's second character: some issuers print a digit there
    // (US permanent resident "C1", border crossing "A3"). Validation reports
    // it; the reading must keep it as printed rather than turn it into the
    // look-alike letter.
    cls[static_cast<std::size_t>(Index(0, 1))] = CharClass::kAlnum;
    for (int line = 0; line < layout_.line_count; ++line) {
      for (int pos = 0; pos < layout_.line_length; ++pos) {
        const auto k = static_cast<std::size_t>(Index(line, pos));
        Slot& slot = slots_[k];
        std::vector<CharCandidate> given =
            input[static_cast<std::size_t>(line)][static_cast<std::size_t>(pos)];
        std::stable_sort(given.begin(), given.end(),
                         [](const CharCandidate& a, const CharCandidate& b) {
                           return a.confidence > b.confidence;
                         });
        slot.ocr_best = given.front().ch;
        std::vector<std::pair<CharCandidate, bool>> alts;
        auto add = [&](char c, float conf, bool looked_up) {
          if (!internal::FitsClass(c, cls[k])) return;
          for (auto& [a, table] : alts) {
            if (a.ch == c) {
              a.confidence = std::max(a.confidence, conf);
              return;
            }
          }
          alts.push_back({{c, conf}, looked_up});
        };
        for (const auto& g : given) add(g.ch, g.confidence, false);
        if (options_.use_confusion_table) {
          for (const auto& g : given) {
            for (char c : LookAlikes(g.ch))
              add(c, options_.confusion_confidence * g.confidence, true);
          }
        }
        std::stable_sort(alts.begin(), alts.end(), [](const auto& a, const auto& b) {
          return a.first.confidence > b.first.confidence;
        });
        // Nothing fits the field: keep OCR's character and let validation say so.
        if (alts.empty()) alts.push_back({{slot.ocr_best, given.front().confidence}, false});
        for (const auto& [a, table] : alts) {
          slot.alts.push_back(a);
          slot.looked_up.push_back(table);
        }
      }
    }
  }

  void Reading(std::vector<std::string>& lines) const {
    lines.assign(static_cast<std::size_t>(layout_.line_count),
                 std::string(static_cast<std::size_t>(layout_.line_length), '<'));
    for (int line = 0; line < layout_.line_count; ++line) {
      for (int pos = 0; pos < layout_.line_length; ++pos) {
        lines[static_cast<std::size_t>(line)][static_cast<std::size_t>(pos)] =
            slots_[static_cast<std::size_t>(Index(line, pos))].alts.front().ch;
      }
    }
  }

  bool ChecksHold(const std::vector<std::string>& lines) const {
    return std::all_of(layout_.checks.begin(), layout_.checks.end(),
                       [&](const CheckSpec& c) { return internal::CheckHolds(layout_, lines, c); });
  }

  // The positions a check covers, its digit and, for a long document number,
  // the continuation in the optional data.
  std::vector<int> Positions(const CheckSpec& spec) const {
    std::vector<int> out;
    for (int r = 0; r < spec.range_count; ++r) {
      for (int i = 0; i < spec.ranges[r].length; ++i) {
        out.push_back(Index(spec.ranges[r].line, spec.ranges[r].start + i));
      }
    }
    out.push_back(Index(spec.line, spec.pos));
    // The optional data continues the number only when the check-digit
    // position holds the '<' that announces it (a long number).
    const bool overflow =
        layout_.has_overflow &&
        current_[static_cast<std::size_t>(spec.line)][static_cast<std::size_t>(spec.pos)] == '<';
    if (spec.guards == FieldId::kDocumentNumber && overflow) {
      for (int i = layout_.overflow_start; i < layout_.overflow_end; ++i) {
        out.push_back(Index(layout_.overflow_line, i));
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // Whether options_.search_pairs lists `from` and `to` as a pair.
  bool SearchedPair(char from, char to) const {
    const std::string& pairs = options_.search_pairs;
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
      if ((pairs[i] == from && pairs[i + 1] == to) || (pairs[i] == to && pairs[i + 1] == from))
        return true;
    }
    return false;
  }

  double Cost(int slot, int alt) const {
    const auto& alts = slots_[static_cast<std::size_t>(slot)].alts;
    // Count first (1 per change), then confidence lost (below 1).
    double cost =
        1.0 +
        std::clamp(double(alts[0].confidence - alts[static_cast<std::size_t>(alt)].confidence), 0.0,
                   0.999);
    // Plausibility: a character inside a run of fillers, or a filler inside
    // a run of characters, is unlikely (issuers pad with '<' at the end of a
    // field): such a change counts as almost one more.
    const int pos = slot % layout_.line_length;
    // Beyond the field's edge counts as filler.
    auto neighbour = [&](int d) {
      const int p = pos + d;
      if (p < 0 || p >= layout_.line_length) return '<';
      const Slot& n = slots_[static_cast<std::size_t>(slot + d)];
      if (n.field != slots_[static_cast<std::size_t>(slot)].field) return '<';
      return n.alts.front().ch;
    };
    const char from = alts[0].ch, to = alts[static_cast<std::size_t>(alt)].ch;
    const bool fillers_around = neighbour(-1) == '<' && neighbour(1) == '<';
    const bool text_around = neighbour(-1) != '<' && neighbour(1) != '<';
    if ((from == '<' && to != '<' && fillers_around) || (from != '<' && to == '<' && text_around)) {
      cost += 0.9;
    }
    return cost;
  }

  void Apply(std::vector<std::string>& lines, int slot, int alt) const {
    const int line = slot / layout_.line_length;
    const int pos = slot % layout_.line_length;
    lines[static_cast<std::size_t>(line)][static_cast<std::size_t>(pos)] =
        slots_[static_cast<std::size_t>(slot)].alts[static_cast<std::size_t>(alt)].ch;
  }

  // Every way of changing up to `max_k` of `positions` (fewest first) that
  // makes `holds` true. Stops after the first k that gives any, plus
  // `extra_levels` more levels.
  std::vector<Solution> Enumerate(const std::vector<int>& positions, int max_k, int extra_levels,
                                  const std::function<bool(const std::vector<std::string>&)>& holds,
                                  std::vector<std::string>& lines) const {
    std::vector<Solution> found;
    int stop_at = max_k;
    Solution partial;
    std::function<void(std::size_t, int)> recurse = [&](std::size_t from, int left) {
      if (left == 0) {
        if (holds(lines)) found.push_back(partial);
        return;
      }
      for (std::size_t i = from; i < positions.size(); ++i) {
        const int slot = positions[i];
        const auto& alts = slots_[static_cast<std::size_t>(slot)].alts;
        const auto line = static_cast<std::size_t>(slot / layout_.line_length);
        const auto pos = static_cast<std::size_t>(slot % layout_.line_length);
        const char saved = lines[line][pos];
        for (int a = 1; a < static_cast<int>(alts.size()); ++a) {
          if (!options_.search_look_alikes &&
              slots_[static_cast<std::size_t>(slot)].looked_up[static_cast<std::size_t>(a)] &&
              !SearchedPair(slots_[static_cast<std::size_t>(slot)].ocr_best,
                            alts[static_cast<std::size_t>(a)].ch))
            continue;
          Apply(lines, slot, a);
          partial.changes.emplace_back(slot, a);
          partial.cost += Cost(slot, a);
          recurse(i + 1, left - 1);
          partial.cost -= Cost(slot, a);
          partial.changes.pop_back();
        }
        lines[line][pos] = saved;
      }
    };
    for (int k = 0; k <= stop_at; ++k) {
      const std::size_t before = found.size();
      recurse(0, k);
      if (found.size() > before && stop_at == max_k) stop_at = std::min(max_k, k + extra_levels);
    }
    std::sort(found.begin(), found.end(),
              [](const Solution& a, const Solution& b) { return a.cost < b.cost; });
    return found;
  }

  static bool Tie(const std::vector<Solution>& s) {
    return s.size() >= 2 && std::abs(s[0].cost - s[1].cost) < 1e-9;
  }

  void Search(RepairResult& result) {
    const CheckSpec* composite = nullptr;
    std::vector<const CheckSpec*> groups;
    for (const auto& c : layout_.checks) {
      if (c.guards == FieldId::kComposite) {
        composite = &c;
      } else {
        groups.push_back(&c);
      }
    }
    const int max_k = options_.max_substitutions_per_check;
    // Per field: readings in which its own check digit holds.
    std::vector<std::vector<Solution>> per_group;
    std::vector<bool> in_group(slots_.size(), false);
    for (const CheckSpec* g : groups) {
      const std::vector<int> pos = Positions(*g);
      for (int p : pos) in_group[static_cast<std::size_t>(p)] = true;
      auto holds = [&](const std::vector<std::string>& l) {
        return internal::CheckHolds(layout_, l, *g);
      };
      std::vector<Solution> s;
      if (holds(current_)) {
        s.push_back(Solution{});
      } else {
        // One more level than needed, so that the composite can choose.
        s = Enumerate(pos, max_k, composite != nullptr ? 1 : 0, holds, current_);
        // Equal-cost readings are common (every look-alike in the field);
        // keep enough of them for the composite to choose from.
        if (s.size() > kMaxReadingsPerField) s.resize(kMaxReadingsPerField);
      }
      per_group.push_back(std::move(s));
    }
    if (composite == nullptr) {
      for (const auto& s : per_group) {
        if (s.empty()) continue;
        if (Tie(s)) {
          result.ambiguous = true;
          continue;
        }
        for (const auto& [slot, alt] : s[0].changes) Apply(current_, slot, alt);
      }
      return;
    }
    if (std::any_of(per_group.begin(), per_group.end(), [](const auto& s) { return s.empty(); }))
      return;
    // The composite decides among the fields' readings; positions only it
    // covers (TD1 optional data, its own digit) may change too.
    std::vector<int> composite_only;
    for (int p : Positions(*composite)) {
      if (!in_group[static_cast<std::size_t>(p)]) composite_only.push_back(p);
    }
    auto holds = [&](const std::vector<std::string>& l) {
      return internal::CheckHolds(layout_, l, *composite);
    };
    std::vector<Solution> best;
    std::vector<std::size_t> pick(per_group.size(), 0);
    const std::vector<std::string> base = current_;
    std::function<void(std::size_t, double)> combine = [&](std::size_t g, double cost) {
      if (g == per_group.size()) {
        std::vector<std::string> lines = base;
        Solution chosen;
        for (std::size_t i = 0; i < per_group.size(); ++i) {
          for (const auto& ch : per_group[i][pick[i]].changes) {
            Apply(lines, ch.first, ch.second);
            chosen.changes.push_back(ch);
          }
        }
        for (Solution& s : Enumerate(composite_only, max_k, 0, holds, lines)) {
          s.cost += cost;
          s.changes.insert(s.changes.end(), chosen.changes.begin(), chosen.changes.end());
          best.push_back(std::move(s));
        }
        return;
      }
      for (std::size_t i = 0; i < per_group[g].size(); ++i) {
        pick[g] = i;
        combine(g + 1, cost + per_group[g][i].cost);
      }
    };
    combine(0, 0.0);
    std::sort(best.begin(), best.end(),
              [](const Solution& a, const Solution& b) { return a.cost < b.cost; });
    if (best.empty()) return;
    if (Tie(best)) {
      result.ambiguous = true;
      return;
    }
    for (const auto& [slot, alt] : best[0].changes) Apply(current_, slot, alt);
  }

  // State codes have no check digit, but must be codes ICAO knows: an
  // unknown issuing state or nationality takes the cheapest change of one or
  // two of its letters (from OCR's alternatives and look-alikes) that names
  // a known one ("UTD" -> "UTO"). Equal-cost choices are left alone and
  // their positions listed as uncertain.
  void RepairCountryCodes() {
    for (const auto& f : layout_.fields) {
      if (f.id != FieldId::kIssuingState && f.id != FieldId::kNationality) continue;
      std::vector<int> positions;
      for (int i = 0; i < f.range.length; ++i)
        positions.push_back(Index(f.range.line, f.range.start + i));
      auto known = [&](const std::vector<std::string>& lines) {
        std::string code = lines[static_cast<std::size_t>(f.range.line)].substr(
            static_cast<std::size_t>(f.range.start), static_cast<std::size_t>(f.range.length));
        while (!code.empty() && code.back() == '<') code.pop_back();
        return !code.empty() && FindCountryCode(code) != nullptr;
      };
      if (known(current_)) continue;
      std::vector<Solution> found = Enumerate(positions, 2, 0, known, current_);
      if (found.empty()) continue;
      if (Tie(found)) {
        // Not a check digit's ambiguity: the code stays as read, and says so.
        for (int k : positions) tied_.push_back(k);
        continue;
      }
      for (const auto& [slot, alt] : found[0].changes) {
        Apply(current_, slot, alt);
        special_repairs_.emplace_back(slot, "country_code");
      }
    }
  }

  // Names are padded with '<' to the end of their zone, and no run of three
  // or more fillers occurs inside a name ('<' separates components, '<<' the
  // primary from the secondary identifier). One or two characters after such
  // a run, at the very end of the zone, are therefore noise at the edge of
  // the band (a '<' read as 'F'): they become fillers.
  void ClearNameTail() {
    for (const auto& f : layout_.fields) {
      if (f.id != FieldId::kName) continue;
      std::string& line = current_[static_cast<std::size_t>(f.range.line)];
      const int start = f.range.start, end = f.range.start + f.range.length;
      int run = 0, after = -1;
      for (int p = start; p < end && after < 0; ++p) {
        run = line[static_cast<std::size_t>(p)] == '<' ? run + 1 : 0;
        if (run >= 3) after = p + 1;
      }
      if (after < 0) continue;
      int stray = 0, first = end;
      for (int p = after; p < end; ++p) {
        if (line[static_cast<std::size_t>(p)] != '<') {
          ++stray;
          first = std::min(first, p);
        }
      }
      if (stray == 0 || stray > 2 || first < end - 3) continue;
      for (int p = first; p < end; ++p) {
        if (line[static_cast<std::size_t>(p)] == '<') continue;
        line[static_cast<std::size_t>(p)] = '<';
        special_repairs_.emplace_back(Index(f.range.line, p), "name_padding");
      }
    }
  }

  void Report(RepairResult& result) const {
    for (int line = 0; line < layout_.line_count; ++line) {
      for (int pos = 0; pos < layout_.line_length; ++pos) {
        const Slot& slot = slots_[static_cast<std::size_t>(Index(line, pos))];
        const char chosen = current_[static_cast<std::size_t>(line)][static_cast<std::size_t>(pos)];
        if (chosen == slot.ocr_best) continue;
        const char* reason = chosen == slot.alts.front().ch ? "field_type" : "check_digit";
        for (const auto& [k, why] : special_repairs_) {
          if (k == Index(line, pos)) reason = why;
        }
        result.repairs.push_back(CharRepair{line + 1, pos + 1, slot.ocr_best, chosen,
                                            internal::FieldName(slot.field), reason});
      }
    }
  }

  // Changes no check digit confirms (see UncertainPosition).
  void MarkUncertain(RepairResult& result) const {
    std::vector<const CheckSpec*> groups;
    for (const auto& c : layout_.checks) {
      if (c.guards != FieldId::kComposite) groups.push_back(&c);
    }
    std::vector<int> guessed;  // slots changed to make a check digit hold
    for (const CharRepair& r : result.repairs) {
      if (r.reason == "check_digit") guessed.push_back(Index(r.line - 1, r.position - 1));
    }
    auto mark = [&](int line, int position, const std::string& field, const char* why) {
      AddUncertain(result, {line, position, field, why});
    };
    for (const CharRepair& r : result.repairs) {
      const int k = Index(r.line - 1, r.position - 1);
      if (r.reason == "country_code") {
        mark(r.line, r.position, r.field, "unconfirmed_change");
        continue;
      }
      if (r.reason != "check_digit") continue;  // forced by the field's type or padding
      const CheckSpec* own = nullptr;
      for (const CheckSpec* g : groups) {
        const std::vector<int> pos = Positions(*g);
        if (std::find(pos.begin(), pos.end(), k) != pos.end()) own = g;
      }
      bool confirmed = false;
      if (own != nullptr && internal::CheckHolds(layout_, current_, *own)) {
        const std::vector<int> pos = Positions(*own);
        const auto changes = std::count_if(guessed.begin(), guessed.end(), [&](int g) {
          return std::find(pos.begin(), pos.end(), g) != pos.end();
        });
        // Symbols of equal weight: the digit cannot tell them apart.
        confirmed = changes == 1 && !EqualWeight(r.from, r.to);
      }
      if (!confirmed) mark(r.line, r.position, r.field, "unconfirmed_change");
    }
    for (int k : tied_) {
      const int line = k / layout_.line_length, pos = k % layout_.line_length;
      mark(line + 1, pos + 1, internal::FieldName(slots_[static_cast<std::size_t>(k)].field),
           "ambiguous");
    }
  }

  const Layout& layout_;
  const RepairOptions& options_;
  std::vector<int> tied_;  // slots of state codes with equally good repairs
  std::vector<Slot> slots_;
  std::vector<std::string> current_;
  // Slots changed by a rule rather than by OCR's alternatives, and why.
  std::vector<std::pair<int, const char*>> special_repairs_;
};

}  // namespace

Result<RepairResult> RepairMrz(const std::vector<LineCandidates>& lines,
                               const RepairOptions& options) {
  // The layout comes from the best candidates' shape.
  std::vector<std::string> best;
  for (const auto& line : lines) {
    std::string s;
    for (const auto& position : line) {
      if (position.empty()) return Error{ErrorCode::kInvalidInput, "a position has no candidate"};
      s.push_back(std::max_element(position.begin(), position.end(),
                                   [](const CharCandidate& a, const CharCandidate& b) {
                                     return a.confidence < b.confidence;
                                   })
                      ->ch);
    }
    best.push_back(std::move(s));
  }
  const Layout* layout = internal::LayoutFor(internal::DetectFormat(best));
  if (layout == nullptr) {
    return Error{ErrorCode::kInvalidInput,
                 "the lines do not form an MRZ layout (2x36, 2x44, 3x30)"};
  }
  return Repairer(*layout, options).Run(lines);
}

std::string FieldAt(MrzFormat format, int line, int position) {
  const Layout* layout = internal::LayoutFor(format);
  if (layout == nullptr || line < 1 || line > layout->line_count || position < 1 ||
      position > layout->line_length)
    return {};
  const int l = line - 1, p = position - 1;
  for (const auto& c : layout->checks) {
    if (c.line == l && c.pos == p) return internal::FieldName(c.guards);
  }
  for (const auto& f : layout->fields) {
    if (f.range.line == l && p >= f.range.start && p < f.range.start + f.range.length)
      return internal::FieldName(f.id);
  }
  return {};
}

void AddUncertain(RepairResult& result, UncertainPosition u) {
  auto& list = result.uncertain;
  const auto at = std::lower_bound(list.begin(), list.end(), u, [](const auto& a, const auto& b) {
    return std::tie(a.line, a.position) < std::tie(b.line, b.position);
  });
  if (at != list.end() && at->line == u.line && at->position == u.position) return;
  list.insert(at, std::move(u));
}

std::string AllowedAt(MrzFormat format, int line, int position) {
  static constexpr std::string_view kAll = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
  const Layout* layout = internal::LayoutFor(format);
  if (layout == nullptr) return std::string(kAll);
  const int l = line - 1, p = position - 1;
  CharClass cls = CharClass::kAlnum;
  for (const auto& f : layout->fields) {
    if (f.range.line == l && p >= f.range.start && p < f.range.start + f.range.length) cls = f.cls;
  }
  for (const auto& c : layout->checks) {
    if (c.line == l && c.pos == p) cls = CharClass::kDigits;
  }
  std::string out;
  for (char c : kAll) {
    if (internal::FitsClass(c, cls)) out.push_back(c);
  }
  return out;
}

bool CoveredByOwnCheck(MrzFormat format, int line, int position) {
  const Layout* layout = internal::LayoutFor(format);
  if (layout == nullptr) return false;
  const int l = line - 1, p = position - 1;
  for (const auto& c : layout->checks) {
    if (c.guards == FieldId::kComposite) continue;
    if (c.line == l && c.pos == p) return true;
    for (int r = 0; r < c.range_count; ++r) {
      const auto& range = c.ranges[r];
      if (range.line == l && p >= range.start && p < range.start + range.length) return true;
    }
  }
  return false;
}

Result<RepairResult> RepairMrzText(const std::vector<std::string>& lines,
                                   const RepairOptions& options) {
  std::vector<LineCandidates> candidates;
  for (const auto& line : lines) {
    LineCandidates lc;
    for (char c : line) lc.push_back({{c, 1.0f}});
    candidates.push_back(std::move(lc));
  }
  return RepairMrz(candidates, options);
}

}  // namespace tdv::mrz
