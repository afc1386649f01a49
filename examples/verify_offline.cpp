// Decides on a record file saved earlier (a gate's log, `idr read --out`, a reduced record
// from `idr disclose`): no reader, no nonce; the signature, chain, revocation list, SAM
// verdict and field digests are checked. Prints "accepted" and the verified fields, or
// "rejected" and the reasons.
// usage: verify_offline RECORD_FILE ROOT_PEM
#include <fstream>
#include <iostream>
#include <iterator>

#include "idr/session.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  std::ifstream in(argv[1], std::ios::binary);
  const idr::Bytes record((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string why;
  auto policy = idr::Policy::load({{argv[2]}, {}, {}, {}}, &why);
  if (!in || !policy) {
    std::cerr << "verify_offline: cannot read " << argv[1] << " " << why << "\n";
    return 1;
  }
  const idr::Decision d = idr::decide_record(record, *policy);
  if (d.accepted()) {
    std::cout << "accepted reader " << d.reader_serial() << " counter " << d.counter() << "\n";
    std::cout << "  " << d.card()->id_number << " " << d.card()->name << "\n";
  } else {
    std::cout << "rejected\n";
    for (const idr::Verdict* r : d.reasons())
      std::cout << "  " << r->name << ": " << r->reason << ": " << r->message << "\n";
  }
  return d.accepted() ? 0 : 3;
}
