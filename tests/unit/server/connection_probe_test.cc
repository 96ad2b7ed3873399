// The connection probe on a real loopback TCP connection: it finds the
// accepted socket by its ports and peer address, data waiting is not a hang-up, a closed
// peer is.
#include "server/connection_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace entropix::server {
namespace {

int LocalPort(int fd) {
  sockaddr_in a{};
  socklen_t n = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  return ntohs(a.sin_port);
}

TEST(ConnectionProbeTest, FindsTheSocketByItsPortsAndSeesTheHangUp) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  a.sin_port = htons(static_cast<uint16_t>(LocalPort(listener)));
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const int accepted = accept(listener, nullptr, nullptr);
  ASSERT_GE(accepted, 0);

  // Another host's connection from the same source port is not this one.
  EXPECT_FALSE(ConnectionProbe(LocalPort(listener), "10.1.2.3", LocalPort(client)).found());
  const ConnectionProbe probe(LocalPort(listener), "127.0.0.1", LocalPort(client));
  ASSERT_TRUE(probe.found());
  EXPECT_FALSE(probe.PeerGone());
  ASSERT_EQ(write(client, "x", 1), 1);  // a pipelined byte is not a hang-up
  EXPECT_FALSE(probe.PeerGone());
  close(client);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = probe.PeerGone();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(gone);

  const ConnectionProbe nobody(LocalPort(listener), "127.0.0.1", 1);  // no such connection
  EXPECT_FALSE(nobody.found());
  EXPECT_FALSE(nobody.PeerGone());
  close(accepted);
  close(listener);
}

}  // namespace
}  // namespace entropix::server
