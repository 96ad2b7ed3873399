// Noticing that a client hung up while its answer is still being generated.
// Debian's cpp-httplib (0.11) gives a handler neither its socket nor an
// "is the connection closed" call, and a hang-up otherwise shows only when
// the answer is written: for a non-streaming request (or a vote, which
// streams nothing until decided) that is after the whole generation.
//
// The probe finds the request's socket by its ports: the one socket of this
// process whose local port is the request's local_port and whose peer port
// is its remote_port (a TCP connection is unique by them within one host
// process). httplib keeps a connection's socket open until its handler (and
// a streaming content provider) has returned, so the descriptor cannot be
// reused while the probe is in use; a probe must not outlive its request.
#pragma once

namespace entropix::server {

class ConnectionProbe {
 public:
  ConnectionProbe() = default;  // finds nothing: PeerGone() is always false
  // Looks up the socket (a scan of /proc/self/fd); found() false when no
  // socket matches (then the probe never reports a hang-up).
  ConnectionProbe(int local_port, int remote_port);

  bool found() const { return fd_ >= 0; }
  // The peer closed or reset the connection (poll: POLLRDHUP, POLLHUP or
  // POLLERR; no data is consumed). A client that half-closes its sending
  // side after the request counts as gone.
  bool PeerGone() const;

 private:
  int fd_ = -1;
};

}  // namespace entropix::server
