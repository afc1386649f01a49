// A gate: watches the reader and decides each presentation of a card (a card taken away and
// presented again is a new one). One line each: "accepted ID NAME", or "REJECTED ..." with
// the reasons; a read that failed (the card left too early) is "error: ...".
// usage: gate READER_URI ROOT_PEM COUNTERS_DB LOST_STOLEN_LIST COUNT
#include <iostream>
#include <string>

#include "idr/session.h"

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  std::string why;
  auto policy = idr::Policy::load({{argv[2]}, {}, argv[3], argv[4]}, &why);
  if (!policy) {
    std::cerr << "gate: " << why << "\n";
    return 1;
  }
  auto session = idr::Session::open(argv[1], std::move(*policy));
  if (!session) {
    std::cerr << "gate: " << idr::message(session.error()) << "\n";
    return 1;
  }
  const unsigned long count = std::stoul(argv[5]);
  unsigned long seen = 0;
  const idr::Result<void> end = session->watch(idr::kText, [&](const idr::Presentation& p) {
    if (!p) {
      std::cout << "error: " << idr::message(p.error()) << std::endl;
    } else if (p->accepted()) {
      std::cout << "accepted " << p->card()->id_number << " " << p->card()->name << std::endl;
    } else {
      std::cout << "REJECTED " << (p->card() ? p->card()->id_number : "(not verified)");
      for (const idr::Verdict* r : p->reasons()) std::cout << "  " << r->name << ": " << r->reason;
      std::cout << std::endl;
    }
    return ++seen < count;
  });
  if (!end) std::cerr << "gate: " << idr::message(end.error()) << "\n";
  return end ? 0 : 1;
}
