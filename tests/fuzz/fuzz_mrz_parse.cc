// SPDX-License-Identifier: Apache-2.0
// Fuzz target: MRZ text -> ParseMrz and RepairMrzText. Any input must give a
// result or an Error, never a crash, and the result must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tdv/mrz/mrz.h"
#include "tdv/mrz/repair.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tdv::mrz::ParseOptions options;
  options.today = tdv::mrz::CivilDate{2026, 11, 28};
  options.allow_specimens = size % 2 == 0;
  options.strict = size % 3 == 0;
  tdv::Result<tdv::mrz::Mrz> parsed = tdv::mrz::ParseMrz(text, options);
  if (!parsed) return 0;
  const tdv::mrz::Mrz& m = parsed.value();
  // Invariants: a valid MRZ has a known layout and all check digits hold.
  if (m.valid()) {
    if (m.format == tdv::mrz::MrzFormat::kUnknown) std::abort();
    for (const auto& c : m.checks) {
      if (!c.ok) std::abort();
    }
  }
  for (const auto& e : m.errors) {
    if (e.span.line < 0 || e.span.line > 3 || e.span.end < e.span.start) std::abort();
  }
  if (m.format != tdv::mrz::MrzFormat::kUnknown) {
    // As the text reader repairs, and as the image reader with the learned
    // recogniser does (one change per check digit, its own alternatives and
    // the O/0 pair only): a change it makes is O for 0 or 0 for O, or one the
    // field's type forces.
    const tdv::mrz::RepairOptions as_text, image = [] {
      tdv::mrz::RepairOptions o;
      o.max_substitutions_per_check = 1;
      o.search_look_alikes = false;
      o.search_pairs = "O0";
      return o;
    }();
    for (const tdv::mrz::RepairOptions* o : {&as_text, &image}) {
      tdv::Result<tdv::mrz::RepairResult> repaired = tdv::mrz::RepairMrzText(m.lines, *o);
      if (!repaired) std::abort();  // a recognised layout is always repairable input
      if (repaired->checks_satisfied && repaired->ambiguous) std::abort();
      // Every uncertain position lies inside the layout and names a reason.
      for (const auto& u : repaired->uncertain) {
        if (u.line < 1 || u.line > int(m.lines.size()) || u.position < 1 ||
            u.position > int(m.lines[0].size()) || u.reason.empty())
          std::abort();
      }
      if (o != &image) continue;
      for (const auto& c : repaired->repairs) {
        const bool pair = (c.from == 'O' && c.to == '0') || (c.from == '0' && c.to == 'O');
        if (c.reason == "check_digit" && !pair) std::abort();
      }
    }
  }
  return 0;
}
