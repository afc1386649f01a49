// Reads a card verified: prints "accepted NAME" or "rejected", then each reason.
#include <iostream>

#include "idr/session.h"

int main(int argc, char** argv) {  // verified_read READER_URI ROOT_PEM COUNTERS_DB
  if (argc != 4) return 2;
  auto policy = idr::Policy::load({{argv[2]}, {}, argv[3], {}});
  auto session = policy ? idr::Session::open(argv[1], std::move(*policy)) : policy.error();
  auto d = session ? session->read_verified(idr::kBase, std::chrono::seconds(30)) : session.error();
  if (!d) return std::cerr << "error: " << idr::message(d.error()) << "\n", 1;
  std::cout << (d->accepted() ? "accepted " + d->card()->name : "rejected") << "\n";
  for (auto* r : d->reasons()) std::cout << "  " << r->name << ": " << r->message << "\n";
  return d->accepted() ? 0 : 3;
}
