// SPDX-License-Identifier: Apache-2.0
// The scanner folder (`tdv serve --watch DIR`): a document scanner writes
// each scan into DIR; the officer's page asks for new ones every second and
// checks each as it arrives (with its own key, through POST /v1/verify).
//
//   GET /v1/scans[?after=CURSOR]  {"scans":[{"name","size","modified_ns"}],"cursor":C}
//     the images (.jpg .jpeg .png .bmp) that came after CURSOR, oldest
//     first; without CURSOR none and the cursor to ask with (only what is
//     written from now on counts). A file changed in the last second may still
//     be being written and waits for the next call.
//   GET /v1/scans/{name}  the file's bytes.
// Both answer 404 when no folder is watched.
#ifndef TDV_SRC_HTTP_SCANS_H_
#define TDV_SRC_HTTP_SCANS_H_

#include <httplib.h>

#include <string>

namespace tdv::http::internal {

void ListScans(const std::string& dir, const httplib::Request& req, httplib::Response& res);
void SendScan(const std::string& dir, const httplib::Request& req, httplib::Response& res);

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_SCANS_H_
