// Socket options for the HTTP servers we listen with (broker admin, sink
// metrics, console). cpp-httplib 0.11 sets only SO_REUSEPORT on Linux, which
// lets a second process bind a port already served, and leaves the closed
// connections' TIME_WAIT entries unshareable by an SO_REUSEADDR bind, so
// `evpipe up` right after `evpipe down` saw the admin port as taken for about
// a minute. SO_REUSEADDR alone gives the usual rule: a port is busy while a
// socket listens on it, free once only TIME_WAIT entries are left.
#pragma once

#include <sys/socket.h>

namespace evpipe::core {

inline void ReuseAddressOnly(int fd) {
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

}  // namespace evpipe::core
