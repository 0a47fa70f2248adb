// SPDX-License-Identifier: Apache-2.0
// What `tdv serve` tells GET /readyz and GET /metrics about its parts: the
// OCR model, the lists (loaded, fresh, each list's age), the trust store
// (readable, CRLs past their next update).
#ifndef TDV_APP_SERVICE_STATUS_H_
#define TDV_APP_SERVICE_STATUS_H_

#include <filesystem>
#include <string>
#include <vector>

#include "tdv/http/server.h"
#include "tdv/lists/list_service.h"
#include "tdv/vision/mrz_reader.h"
#include "trust_snapshot.h"

namespace tdv::app {

struct ServiceParts {
  const vision::MrzReader* reader = nullptr;  // nullptr: images cannot be read
  std::string model_dir;
  const lists::ListService* lists = nullptr;
  const TrustSnapshot* trust = nullptr;
  std::filesystem::path trust_dir;
  bool require_lists = false;
};

// Not ready: no OCR model, lists never loaded or stale (or none while
// require_lists), a trust store that cannot be read. CRLs past their next
// update are named but do not make the instance unready (chips of that
// state come out revocation_unknown, and the policy decides).
std::vector<http::ReadyCheck> Readiness(const ServiceParts& parts);
// tdv_list_records, tdv_list_age_seconds (by list and source),
// tdv_lists_index_age_seconds, tdv_trust_entries (by kind),
// tdv_trust_crls_expired.
std::vector<http::Gauge> Gauges(const ServiceParts& parts);

}  // namespace tdv::app

#endif  // TDV_APP_SERVICE_STATUS_H_
