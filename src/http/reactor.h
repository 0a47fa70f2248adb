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
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace tdv::http::internal {

// Whether `seen` (what has arrived of a connection's next request, in a
// buffer of `room` bytes) is ready for a worker: its whole header and, for
// a body of declared length, as much of the body as kBodyAhead (or the
// buffer) holds. A body sent a byte at a time then waits in the reactor,
// not in a worker: 50 such connections had held every worker. A request
// without credentials (refused on its header alone), with Expect (the
// client waits to be asked for its body) or with a chunked body (the batch
// route's stream) goes to a worker at once, as does a full buffer.
inline constexpr std::size_t kBodyAhead = 65536;
// A body declared larger than `body_limit` goes at once too (413).
bool RequestArrived(std::string_view seen, std::size_t room, std::size_t body_limit);

// A connection's bytes as an httplib Stream (plain or TLS), with read and
// write timeouts for the worker that serves a request, and a readiness
// check that never blocks for the reactor.
class ConnectionStream : public httplib::Stream {
 public:
  // Whether a whole request header is waiting, reading only what has
  // arrived; sets `closed` when the peer has gone or the connection failed.
  virtual bool HeaderReady(bool& closed) = 0;
  // The addresses, asked of the kernel once per connection (httplib asks
  // for them on every request).
  void get_remote_ip_and_port(std::string& ip, int& port) const final;
  void get_local_ip_and_port(std::string& ip, int& port) const final;
  socket_t socket() const final { return fd_; }
  // Set by a handler that wrote its whole response itself (the batch
  // route): what httplib writes after it is dropped.
  bool discard_writes = false;
  // The largest body the server takes (ServerOptions::max_body_bytes): a
  // request declaring more is refused on its header, not waited for.
  std::size_t body_limit = static_cast<std::size_t>(-1);
  // The least rate, in bytes a second, at which a worker reading a request
  // gets its bytes (ServerOptions::min_body_rate; 0: only the read
  // timeout). The reactor waits for the first kBodyAhead bytes of a body;
  // past them a worker reads, and a client sending a large body a few bytes
  // at a time, just inside the read timeout each time, would hold it for
  // hours. So the time a worker spends waiting for one request's bytes is
  // bounded: the read timeout, plus a second for every `min_body_rate`
  // bytes read. Only waiting counts (not the time the server spends on a
  // batch's items between reads).
  std::size_t min_body_rate = 0;
  // A worker takes a new request: its allowance starts again.
  void BeginRequest() {
    waited_ = {};
    received_ = 0;
    starved_ = false;
  }
  // Whether the request's allowance ran out (its read then failed).
  bool starved() const { return starved_; }

 protected:
  explicit ConnectionStream(int fd) : fd_(fd) {}
  // The longest the next wait for the client's bytes may last: the read
  // timeout cut to what is left of the allowance; 0 when none is left.
  int ReadWaitMs(int timeout_ms) const;
  // Records a wait for the client's bytes (`ok`: bytes came) and the bytes
  // then read.
  void Waited(std::chrono::steady_clock::duration d, bool ok);
  void Received(ssize_t n) {
    if (n > 0) received_ += static_cast<std::size_t>(n);
  }
  int fd_;

 private:
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = -1, local_port_ = -1;
  std::chrono::steady_clock::duration waited_{};
  std::size_t received_ = 0;
  bool starved_ = false;
};

// A plain socket, with a read buffer that lives as long as the connection
// (a pipelined request read ahead is not lost between requests).
class SocketStream final : public ConnectionStream {
 public:
  SocketStream(int fd, int read_timeout_seconds, int write_timeout_seconds)
      : ConnectionStream(fd),
        read_timeout_ms_(read_timeout_seconds * 1000),
        write_timeout_ms_(write_timeout_seconds * 1000) {}
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  bool buffered() const { return pos_ < len_; }
  bool HeaderReady(bool& closed) override;

 private:
  bool Wait(short events, int timeout_ms) const;
  ssize_t Recv(char* ptr, size_t size);
  int read_timeout_ms_, write_timeout_ms_;
  char buf_[4096];
  size_t pos_ = 0, len_ = 0;
};

// A connection's bytes held in memory, no socket: a request in, the
// response out (internal::ServeBytes, for the fuzz target).
class MemoryStream final : public ConnectionStream {
 public:
  explicit MemoryStream(std::string in) : ConnectionStream(-1), in_(std::move(in)) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::copy_n(in_.data() + pos_, n, ptr);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!discard_writes) out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  bool HeaderReady(bool& closed) override {
    closed = pos_ >= in_.size();
    return RequestArrived(std::string_view(in_).substr(pos_), in_.size() - pos_, body_limit);
  }
  std::string out;

 private:
  std::string in_;
  size_t pos_ = 0;
};

// Owns the socket: closed (after a TLS close_notify) when the last holder
// lets go.
struct Connection {
  Connection(int f, std::unique_ptr<ConnectionStream> s) : fd(f), stream(std::move(s)) {}
  ~Connection() {
    stream.reset();
    if (linger) LingeringClose(fd);
    ::close(fd);
  }
  // Closed after an answer that left the request's body unread (401, 411,
  // 413 ...): closing with unread bytes makes the kernel reset the
  // connection, and a client still sending loses the answer. So: no more
  // writes, then the rest read and dropped for a moment (at most 50 ms and
  // 4 MB) before the close. Not for a caller without a key (401), who could
  // hold a worker that long with every connection: the server then closes
  // at once, as before.
  static void LingeringClose(int fd);
  bool linger = false;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  int fd;
  std::unique_ptr<ConnectionStream> stream;
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
  // Makes the stream of a newly accepted socket (nullptr: close it).
  using MakeStream = std::function<std::unique_ptr<ConnectionStream>(int fd)>;
  Reactor(Options options, Serve serve, MakeStream make_stream);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Takes a newly accepted socket (its first request still to come).
  void Accept(int fd);
  // Closes every parked connection and stops; requests being served finish.
  void Stop();

 private:
  void Park(std::shared_ptr<Connection> c, std::chrono::seconds wait);
  void Dispatch(std::shared_ptr<Connection> c);
  void Loop();

  Options options_;
  Serve serve_;
  MakeStream make_stream_;
  int epoll_ = -1, wake_ = -1;
  std::mutex mu_;
  std::unordered_map<int, std::shared_ptr<Connection>> parked_;
  std::atomic<bool> stopping_{false};
  // Connections dispatched to the pool that no worker has taken yet.
  std::atomic<int> waiting_{0};
  std::unique_ptr<httplib::ThreadPool> pool_;
  std::thread loop_;
};

}  // namespace tdv::http::internal

#endif  // TDV_SRC_HTTP_REACTOR_H_
