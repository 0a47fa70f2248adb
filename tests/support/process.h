// SPDX-License-Identifier: Apache-2.0
// Runs a real program (the built `tdv`) the way a user or script would, and
// collects its exit code and output.
#ifndef TDV_TESTS_SUPPORT_PROCESS_H_
#define TDV_TESTS_SUPPORT_PROCESS_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tdv::testing {

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tdv-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `argv` with `stdin_text` on standard input; `env` entries are
// "NAME=value" prepended to the environment.
inline ProcessResult Run(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                         const std::vector<std::string>& env = {}) {
  TempDir io;
  const auto in = io.path() / "stdin", out = io.path() / "stdout", err = io.path() / "stderr";
  std::ofstream(in, std::ios::binary) << stdin_text;
  std::string cmd = "env";
  for (const auto& e : env) cmd += " " + ShellQuote(e);
  for (const auto& a : argv) cmd += " " + ShellQuote(a);
  cmd += " <" + ShellQuote(in.string()) + " >" + ShellQuote(out.string()) + " 2>" +
         ShellQuote(err.string());
  const int status = std::system(cmd.c_str());
  ProcessResult r;
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

// A program running in the background (a server), its output going to
// `log`. Killed with SIGKILL if still running on destruction.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Background() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  bool started() const { return pid_ > 0; }
  void Signal(int sig) { kill(pid_, sig); }
  // Waits up to `timeout_ms` for the exit; returns the exit code, or -1 if
  // it is still running or died of a signal.
  int Wait(int timeout_ms) {
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(20 * 1000);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

// The port `tdv serve --listen 127.0.0.1:0` announced in `log`
// ("serving on http://127.0.0.1:PORT/"), waiting up to 5 s; 0 if none.
inline int ServePort(const std::filesystem::path& log) {
  for (int i = 0; i < 250; ++i) {
    const std::string text = ReadFile(log);
    const auto at = text.find("http://127.0.0.1:");
    if (at != std::string::npos) return std::atoi(text.c_str() + at + 17);
    usleep(20 * 1000);
  }
  return 0;
}

// `BINARY serve` of `data_dir` on a free loopback port, its output in
// DATA/serve.log; `port` is 0 if it did not announce one within 5 s.
struct Serving {
  Serving(const std::string& binary, const std::filesystem::path& data_dir)
      : log(data_dir / "serve.log"),
        process({binary, "serve", "--data", data_dir.string(), "--listen", "127.0.0.1:0"}, log),
        port(ServePort(log)) {}
  std::filesystem::path log;
  Background process;
  int port;
};

// The admin key the first `tdv serve` on `data_dir` made (DATA/admin.key),
// without its newline; "" if there is none.
inline std::string AdminKey(const std::filesystem::path& data_dir) {
  std::string key = ReadFile(data_dir / "admin.key");
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  return key;
}

// Calls `probe` every 100 ms, up to 5 s, until it returns `want`; returns
// the last value (a live server picking up another process's change).
template <class Probe>
std::string PollFor(const std::string& want, Probe probe) {
  std::string now = probe();
  for (int i = 0; i < 50 && now != want; ++i) {
    usleep(100 * 1000);
    now = probe();
  }
  return now;
}

// Runs one SQL statement on the SQLite file `db` behind TDV's back (with
// Python's sqlite3, as someone with access to the data directory could).
inline ProcessResult SqliteExec(const std::filesystem::path& db, const std::string& statement) {
  return Run({"python3", "-c",
              "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); "
              "c.commit()",
              db.string(), statement});
}

// Whether another connection holds the SQLite file's write lock now: a
// write transaction is open and not yet committed or rolled back.
inline bool SqliteWriteLocked(const std::filesystem::path& db) {
  return Run({"python3", "-c",
              "import sqlite3,sys\n"
              "c=sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
              "try:\n c.execute('BEGIN IMMEDIATE'); c.execute('ROLLBACK')\n"
              "except sqlite3.OperationalError:\n sys.exit(0)\n"
              "sys.exit(1)",
              db.string()})
             .exit_code == 0;
}

// Standard base64 with padding (requests carry seal and chip bytes so).
inline std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      v |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace tdv::testing

#endif  // TDV_TESTS_SUPPORT_PROCESS_H_
