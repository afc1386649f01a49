#pragma once
// POSIX TCP glue on 127.0.0.1 only, shared by the host board, the simulator process, the
// host library's TCP transport and tests. Loopback only by design: nothing here can listen
// on or connect to another address. No exceptions and no heap, so firmware-side OS glue
// (boards/host) can use it too.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace idr::posix {

// "127.0.0.1:PORT" with PORT of 1..5 decimal digits, at most 65535 (0 allowed: "any free
// port" when listening). Anything else, including other addresses, gives false and leaves
// `port` unchanged.
[[nodiscard]] bool parse_loopback_address(std::string_view address, uint16_t& port);

// A listening socket on 127.0.0.1:port (0 = a free port; SO_REUSEADDR, CLOEXEC) with the
// given backlog; bound_port tells the port actually bound. -1 on failure (nothing left open).
[[nodiscard]] int listen_loopback(uint16_t port, uint16_t& bound_port, int backlog);

// A socket connected to 127.0.0.1:port (CLOEXEC, TCP_NODELAY), or -1 when nothing listens.
[[nodiscard]] int connect_loopback(uint16_t port);

// The next client of listen_fd (CLOEXEC, TCP_NODELAY), or -1.
[[nodiscard]] int accept_client(int listen_fd);

// Exactly n bytes into buf, retrying on EINTR; false on EOF or error.
[[nodiscard]] bool read_exact(int fd, uint8_t* buf, size_t n);

// All n bytes, retrying on EINTR; MSG_NOSIGNAL, so a gone peer gives false, not SIGPIPE.
[[nodiscard]] bool write_all(int fd, const uint8_t* buf, size_t n);

}  // namespace idr::posix
