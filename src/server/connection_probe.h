// Noticing that a client hung up while its answer is still being generated.
// Debian's cpp-httplib (0.11) gives a handler neither its socket nor an
// "is the connection closed" call, and a hang-up otherwise shows only when
// the answer is written: for a non-streaming request (or a vote, which
// streams nothing until decided) that is after the whole generation.
//
// The probe finds the request's socket by its ports and peer address: the
// one socket of this process whose local port is the request's local_port
// and whose peer is its remote_addr:remote_port (two clients on different
// hosts may use the same source port; the peer's address and port together
// are unique among one listening port's connections). httplib keeps a connection's socket open until its handler (and
// a streaming content provider) has returned, so the descriptor cannot be
// reused while the probe is in use; a probe must not outlive its request.
#pragma once

#include <string>

namespace entropix::server {

class ConnectionProbe {
 public:
  ConnectionProbe() = default;  // finds nothing: PeerGone() is always false
  // Looks up the socket (a scan of /proc/self/fd); found() false when no
  // socket matches (then the probe never reports a hang-up). remote_addr is
  // numeric, as httplib gives it ("127.0.0.1", "::1"); empty matches any.
  ConnectionProbe(int local_port, const std::string& remote_addr, int remote_port);

  bool found() const { return fd_ >= 0; }
  // The peer closed or reset the connection (poll: POLLRDHUP, POLLHUP or
  // POLLERR; no data is consumed). A client that half-closes its sending
  // side after the request counts as gone.
  bool PeerGone() const;

 private:
  int fd_ = -1;
};

}  // namespace entropix::server
