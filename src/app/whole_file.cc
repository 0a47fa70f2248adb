// SPDX-License-Identifier: Apache-2.0
#include "whole_file.h"

#include <fstream>

namespace tdv::app {

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  // One read into a string of the file's size (a kept feed is tens of MB:
  // a stream copied into a string copies it twice).
  const std::streamoff size = in.tellg();
  if (size <= 0) return {};
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  in.read(bytes.data(), size);
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

Status WriteWhole(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Error{ErrorCode::kUnavailable, "cannot write " + tmp.string()};
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Error{ErrorCode::kUnavailable, "cannot write " + path.string() + ": " + ec.message()};
  return {};
}

}  // namespace tdv::app
