#pragma once
// Serving the sim wire over a connected byte stream (a TCP socket to a board).
#include "idr/sim/simulator.h"

namespace idr::sim {

// Reads requests from fd, answers each with sim.handle(), until the board closes the
// connection (returns normally) or the stream breaks (returns false). A request whose LEN
// is larger than any valid message gets an Error and the connection is closed, since the
// stream can no longer be framed.
bool serve_connection(int fd, Simulator& sim);

}  // namespace idr::sim
