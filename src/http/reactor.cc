// SPDX-License-Identifier: Apache-2.0
#include "reactor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace tdv::http::internal {
namespace {

constexpr std::size_t kMaxHeaderBytes = 16384;
// How long a worker waits for a connection's next request before parking
// it (see Dispatch).
constexpr int kLingerMs = 2;
constexpr int kMaxInARow = 8;

void AddressOf(const sockaddr_storage& a, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

}  // namespace

bool RequestArrived(std::string_view seen, std::size_t room, std::size_t body_limit) {
  const std::size_t end = seen.find("\r\n\r\n");
  if (end == std::string_view::npos) return seen.size() >= room;
  std::size_t declared = 0;
  bool credentials = false;
  for (std::size_t at = seen.find("\r\n") + 2; at < end + 2;) {
    const std::size_t eol = seen.find("\r\n", at);
    const std::string_view line = seen.substr(at, eol - at);
    at = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "expect" || name == "transfer-encoding") return true;
    if (name == "authorization") credentials = true;
    if (name == "content-length") {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      std::size_t n = 0;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc()) return true;  // httplib answers it
      (void)p;
      declared = n;
    }
  }
  // A caller without credentials is refused on its header alone (401),
  // without its body being read: no reason to wait for it.
  if (!credentials || declared > body_limit) return true;
  const std::size_t have = seen.size() - (end + 4);
  return have >= std::min(declared, kBodyAhead) || seen.size() >= room;
}

int ConnectionStream::ReadWaitMs(int timeout_ms) const {
  if (min_body_rate == 0) return timeout_ms;
  using std::chrono::milliseconds;
  const auto allowance =
      milliseconds(timeout_ms) + milliseconds(received_ * 1000 / min_body_rate) - waited_;
  const auto left = std::chrono::duration_cast<milliseconds>(allowance).count();
  return static_cast<int>(std::clamp<long long>(left, 0, timeout_ms));
}

void ConnectionStream::Waited(std::chrono::steady_clock::duration d, bool ok) {
  waited_ += d;
  if (!ok && min_body_rate > 0 && ReadWaitMs(1) == 0) starved_ = true;
}

bool SocketStream::Wait(short events, int timeout_ms) const {
  pollfd p{fd_, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

bool SocketStream::is_readable() const {
  return buffered() || Wait(POLLIN, ReadWaitMs(read_timeout_ms_));
}

bool SocketStream::is_writable() const { return Wait(POLLOUT, write_timeout_ms_); }

// Reads and writes are tried at once and wait only when the socket is not
// ready: one system call per read or write in the common case, not two.
ssize_t SocketStream::Recv(char* ptr, size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd_, ptr, size, MSG_DONTWAIT);
    if (n >= 0) {
      Received(n);
      return n;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    const auto start = std::chrono::steady_clock::now();
    const bool ok = Wait(POLLIN, ReadWaitMs(read_timeout_ms_));
    Waited(std::chrono::steady_clock::now() - start, ok);
    if (!ok) return -1;
  }
}

ssize_t SocketStream::read(char* ptr, size_t size) {
  if (!buffered()) {
    if (size >= sizeof(buf_)) return Recv(ptr, size);
    const ssize_t n = Recv(buf_, sizeof(buf_));
    if (n <= 0) return n;
    pos_ = 0;
    len_ = static_cast<size_t>(n);
  }
  const size_t take = std::min(size, len_ - pos_);
  std::memcpy(ptr, buf_ + pos_, take);
  pos_ += take;
  return static_cast<ssize_t>(take);
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  if (discard_writes) return static_cast<ssize_t>(size);
  for (;;) {
    const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!Wait(POLLOUT, write_timeout_ms_)) return -1;
  }
}

bool SocketStream::HeaderReady(bool& closed) {
  if (buffered()) return true;  // read ahead with the last request
  static thread_local std::vector<char> peek(kMaxHeaderBytes + kBodyAhead);
  const ssize_t n = ::recv(fd_, peek.data(), peek.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    closed = true;
    return false;
  }
  if (n < 0) {
    closed = errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    return false;
  }
  const std::string_view seen(peek.data(), static_cast<std::size_t>(n));
  // A header larger than any we take: httplib answers it (431/400).
  if (seen.find("\r\n\r\n") == std::string_view::npos) return seen.size() >= kMaxHeaderBytes;
  return RequestArrived(seen, peek.size(), body_limit);
}

void Connection::LingeringClose(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  std::size_t dropped = 0;
  char scratch[16384];
  while (dropped < (4u << 20)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          until - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const ssize_t n = ::recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
    if (n <= 0) break;  // the client closed (or failed): done
    dropped += static_cast<std::size_t>(n);
  }
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (remote_port_ < 0) {
    sockaddr_storage a{};
    socklen_t len = sizeof(a);
    remote_port_ = 0;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      AddressOf(a, remote_ip_, remote_port_);
  }
  ip = remote_ip_;
  port = remote_port_;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (local_port_ < 0) {
    sockaddr_storage a{};
    socklen_t len = sizeof(a);
    local_port_ = 0;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      AddressOf(a, local_ip_, local_port_);
  }
  ip = local_ip_;
  port = local_port_;
}

Reactor::Reactor(Options options, Serve serve, MakeStream make_stream)
    : options_(options), serve_(std::move(serve)), make_stream_(std::move(make_stream)) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  pool_ = std::make_unique<httplib::ThreadPool>(std::max<std::size_t>(1, options_.workers));
  loop_ = std::thread([this] { Loop(); });
}

Reactor::~Reactor() { Stop(); }

void Reactor::Stop() {
  if (stopping_.exchange(true)) return;
  const std::uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof(one));
  if (loop_.joinable()) loop_.join();
  pool_->shutdown();  // requests being served finish; their Park() closes
  std::lock_guard lock(mu_);
  parked_.clear();  // closes them
  ::close(epoll_);
  ::close(wake_);
}

void Reactor::Accept(int fd) {
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  std::unique_ptr<ConnectionStream> stream = make_stream_(fd);
  if (!stream) {
    ::close(fd);
    return;
  }
  Park(std::make_shared<Connection>(fd, std::move(stream)),
       std::chrono::seconds(options_.header_timeout_seconds));
}

void Reactor::Park(std::shared_ptr<Connection> c, std::chrono::seconds wait) {
  if (stopping_) return;  // closed as `c` goes
  // What has arrived already (a request read ahead with the last one, bytes
  // before the registration): serve it now. Checked before the connection
  // is in the set, so that only one thread ever reads it at a time; bytes
  // arriving after this raise the event when it is added.
  bool closed = false;
  if (c->stream->HeaderReady(closed)) {
    Dispatch(std::move(c));
    return;
  }
  if (closed) return;
  c->deadline = std::chrono::steady_clock::now() + wait;
  const int fd = c->fd;
  {
    std::lock_guard lock(mu_);
    if (parked_.size() >= options_.max_parked) return;
    parked_[fd] = std::move(c);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | EPOLLONESHOT;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    std::shared_ptr<Connection> gone;
    std::lock_guard lock(mu_);
    auto it = parked_.find(fd);
    if (it != parked_.end()) {
      gone = std::move(it->second);
      parked_.erase(it);
    }
  }
}

void Reactor::Dispatch(std::shared_ptr<Connection> c) {
  waiting_.fetch_add(1, std::memory_order_relaxed);
  pool_->enqueue([this, c]() mutable {
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    for (int in_a_row = 1;; ++in_a_row) {
      const bool last = ++c->served >= options_.keep_alive_max_count;
      if (!serve_(*c, last) || last || stopping_) return;  // closed as `c` goes
      // A client that answers at once (a border system's connection pool,
      // a load test) has its next request here within a millisecond or
      // two: serve it without the round trip through the epoll set. Idle
      // connections hold the worker no longer than that.
      // Only while no other connection waits for a worker, and at most a
      // few in a row: otherwise this one goes to the back of the queue
      // (Park finds its next request and dispatches it), so that with more
      // busy connections than workers each waits its turn once per request.
      // (Serving 8 in a row while others queued made the latency bimodal at
      // 64 connections: median 1.4 ms, p99 20 ms.)
      if (in_a_row >= kMaxInARow || waiting_.load(std::memory_order_relaxed) > 0) break;
      bool closed = false;
      if (c->stream->HeaderReady(closed)) continue;
      if (closed) return;
      pollfd p{c->fd, POLLIN, 0};
      if (::poll(&p, 1, kLingerMs) <= 0) break;
      if (!c->stream->HeaderReady(closed)) {
        if (closed) return;
        break;
      }
    }
    Park(std::move(c), std::chrono::seconds(options_.keep_alive_seconds));
  });
}

void Reactor::Loop() {
  std::vector<epoll_event> events(256);
  auto next_sweep = std::chrono::steady_clock::now();
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 200);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == wake_) {
        std::uint64_t v;
        (void)!::read(wake_, &v, sizeof(v));
        continue;
      }
      // Only this thread reads a parked connection.
      std::shared_ptr<Connection> c;
      {
        std::lock_guard lock(mu_);
        auto it = parked_.find(fd);
        if (it == parked_.end()) continue;
        c = it->second;
      }
      bool closed = false;
      const bool ready = c->stream->HeaderReady(closed);
      if (!ready && !closed) {
        // Part of a header: wait for more (the one-shot registration re-armed).
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | EPOLLONESHOT;
        ev.data.fd = fd;
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
        continue;
      }
      {
        std::lock_guard lock(mu_);
        parked_.erase(fd);
      }
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
      if (!closed) Dispatch(std::move(c));
    }
    // Deadlines: a header that never completes, a keep-alive that ran out.
    const auto now = std::chrono::steady_clock::now();
    if (now < next_sweep) continue;
    next_sweep = now + std::chrono::milliseconds(200);
    std::vector<std::shared_ptr<Connection>> expired;
    {
      std::lock_guard lock(mu_);
      for (auto it = parked_.begin(); it != parked_.end();) {
        if (it->second->deadline <= now) {
          expired.push_back(std::move(it->second));
          it = parked_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& c : expired) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
    expired.clear();  // closes them
  }
}

}  // namespace tdv::http::internal
