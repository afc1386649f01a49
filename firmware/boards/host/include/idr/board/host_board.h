#pragma once
// The host board: the sim-wire board (firmware/boards/simwire) with the CPU-time estimate;
// idr-firmware gives it a TCP host link, tests anything.
#include "idr/board/sim_wire_board.h"

namespace idr::board {

using HostBoard = SimWireBoard;

}  // namespace idr::board
