// SPDX-License-Identifier: Apache-2.0
// POST /v1/verify/batch: NDJSON in, NDJSON out, both streamed.
//
// Each input line is a verify request (the members of POST /v1/verify) with
// an optional "id" (string or number) that its answer carries. Items are
// verified by a few threads as the body arrives, up to 64 at a time each,
// whose entries go into the audit trail in one commit; the thread that
// reads the body also writes the answers, each once its entry is in the
// trail, in the order items finish: {"id":..., "line":N, "report":{...}} or {"id":..., "line":N,
// "error":{problem}}. A bad line is an error line, never the end of the
// batch. The last line is {"summary":{...}}; a stream without it was cut
// short. At most `window` items are between reading and writing, so a
// client that stops reading stops the reading of its body too (memory stays
// flat whatever the batch's size).
#ifndef TDV_SRC_HTTP_BATCH_H_
#define TDV_SRC_HTTP_BATCH_H_

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <string>

#include "tdv/verify/audit.h"
#include "tdv/verify/verifier.h"

namespace tdv::http::internal {

struct BatchOptions {
  std::size_t max_items = 10000000;        // more: an error line, and the batch ends
  std::size_t max_line_bytes = 16u << 20;  // one item's line (an image item is large)
  std::size_t window = 1024;               // items read but not yet answered
  int threads = 2;                         // verifying threads
};

struct BatchCounts {
  std::size_t items = 0, clear = 0, review = 0, reject = 0, errors = 0;
  bool truncated = false;  // the item limit ended it
};

// Reads the body through `read_body` (httplib's ContentReader), writes the
// whole chunked response (status line, headers, NDJSON) to `out`. Returns
// false when the client went away or the audit trail failed (the stream
// then ends without a summary). `key_id` names the caller in the trail.
// `observe` sees every report (for the metrics), from the verifying threads.
bool RunBatch(const verify::Verifier& verifier, verify::AuditTrail* audit,
              const std::string& key_id, const BatchOptions& options,
              const httplib::ContentReader& read_body, httplib::Stream& out, BatchCounts& counts,
              const std::function<void(const verify::VerificationReport&)>& observe);

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_BATCH_H_
