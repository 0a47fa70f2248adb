// SPDX-License-Identifier: Apache-2.0
// Connections wait for their next request without holding a worker.
//
// httplib gives each connection a worker thread for as long as it stays
// open: 16 clients that keep a connection idle (or send nothing, or send a
// header a byte a second) made every other client wait for the keep-alive
// or read timeout. Here a connection between requests is parked in one
// epoll set; only when its whole request header has arrived does a worker
// take it, serve that one request and park it again. Idle and silent
// connections cost a file descriptor, not a thread, and are closed at
// their deadline (read timeout for the first header, keep-alive after).
#ifndef TDV_SRC_HTTP_REACTOR_H_
#define TDV_SRC_HTTP_REACTOR_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tdv::http::internal {

// A blocking socket as an httplib Stream, with read and write timeouts and
// a read buffer that lives as long as the connection (a pipelined request
// read ahead is not lost between requests).
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, int read_timeout_seconds, int write_timeout_seconds)
      : fd_(fd),
        read_timeout_ms_(read_timeout_seconds * 1000),
        write_timeout_ms_(write_timeout_seconds * 1000) {}
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }
  bool buffered() const { return pos_ < len_; }

 private:
  bool Wait(short events, int timeout_ms) const;
  int fd_;
  int read_timeout_ms_, write_timeout_ms_;
  char buf_[4096];
  size_t pos_ = 0, len_ = 0;
};

struct Connection {
  explicit Connection(int f, int read_timeout, int write_timeout)
      : fd(f), stream(f, read_timeout, write_timeout) {}
  int fd;
  SocketStream stream;
  std::size_t served = 0;
  std::chrono::steady_clock::time_point deadline;
};

class Reactor {
 public:
  struct Options {
    std::size_t workers = 16;
    int header_timeout_seconds = 10;  // a new connection's first header
    int keep_alive_seconds = 5;       // between requests
    std::size_t keep_alive_max_count = 100;
    std::size_t max_parked = 10000;  // beyond: new connections are closed
  };
  // `serve` answers one request on the connection; returns false when the
  // connection must be closed afterwards. It runs on a worker thread.
  using Serve = std::function<bool(Connection&, bool last)>;
  Reactor(Options options, Serve serve);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Takes a newly accepted socket (its first request still to come).
  void Accept(int fd, int read_timeout_seconds, int write_timeout_seconds);
  // Closes every parked connection and stops; requests being served finish.
  void Stop();

 private:
  void Park(std::shared_ptr<Connection> c, std::chrono::seconds wait);
  void Dispatch(std::shared_ptr<Connection> c);
  void Loop();
  // Whether a whole request header is waiting on the socket; sets `closed`
  // when the peer has gone or the header is larger than any we take.
  static bool HeaderReady(int fd, bool& closed);

  Options options_;
  Serve serve_;
  int epoll_ = -1, wake_ = -1;
  std::mutex mu_;
  std::unordered_map<int, std::shared_ptr<Connection>> parked_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<httplib::ThreadPool> pool_;
  std::thread loop_;
};

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_REACTOR_H_
