// SPDX-License-Identifier: Apache-2.0
#include "secret_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "tdv/sig/digest.h"

namespace tdv::app {

Result<std::string> ReadOrMakeSecret(const std::filesystem::path& file, const std::string& what) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::ifstream in(file);
    if (in) {
      std::string secret;
      std::getline(in, secret);
      if (secret.size() != 64 || secret.find_first_not_of("0123456789abcdef") != std::string::npos)
        return Error{ErrorCode::kUnavailable,
                     file.string() + " is not " + what + " (64 hex digits)"};
      return secret;
    }
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // made by another process just now: read it
      return Error{ErrorCode::kUnavailable, "cannot create " + file.string()};
    }
    auto secret = sig::RandomHex(32);
    const std::string line = secret ? *secret + "\n" : "";
    const bool ok =
        secret && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    if (::close(fd) != 0 || !ok) {
      ::unlink(file.c_str());
      return Error{ErrorCode::kUnavailable, "cannot write " + file.string()};
    }
    return *secret;
  }
  return Error{ErrorCode::kUnavailable, "cannot read " + file.string()};
}

}  // namespace tdv::app
