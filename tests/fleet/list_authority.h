#pragma once
// The list authority of the fleet tests (tests/fleet, DESIGN 13 list distribution): a key
// pair on disk (the followers load only the public half), list and delta files, genuine
// publications, an attacker's forged one, and a follower's report.
#include <cstdint>
#include <string>
#include <vector>

#include "idr/testing/temp_dir.h"
#include "jetstream.h"
#include "list_distribution.h"
#include "list_manifest.h"

namespace idr::fleet_test {

// A new P-256 key pair.
fleet::ListKey new_key();
// Saves `key` in DIR/authority.key.pem and DIR/authority.pub.pem; the public half, loaded.
fleet::ListKey load_anchor(const fleet::ListKey& key, const std::string& dir);

// The authority's key pair on disk; the gate loads only the public half.
struct Authority {
  idr::testing::TempDir dir{"idr-lists-authority"};
  fleet::ListKey key = new_key();
  fleet::ListKey anchor = load_anchor(key, dir.path);  // DIR/authority.pub.pem
  int csv_count = 0;
  int64_t issued_at;

  Authority();
  std::string write(const std::string& name, const std::string& text);
  // A list file of the given id_number,valid_from lines.
  std::string list(const std::vector<std::string>& lines);
  // A delta file adding these id_number,valid_from lines.
  std::string delta(const std::vector<std::string>& add);
  [[nodiscard]] fleet::PublishOptions options(const std::string& list = "lost-stolen") const;
  [[nodiscard]] std::string public_key() const { return dir.path + "/authority.pub.pem"; }
};

// Publishes `file` as the next version of lost-stolen (a full list or a delta).
fleet::ListManifest publish(fleet::JetStream& link, Authority& a, const std::string& file,
                            bool full, int replicas = 1);

// An attacker with access to the cluster but not the authority's key: signs with its own,
// publishes a manifest and content the way the authority does, and moves the pointer.
// With `signer` the authority's own key and `move_pointer` false: a publication of the same
// version that lost the compare-and-set, as an authority racing another one would leave it.
void publish_forged(fleet::JetStream& link, const fleet::ListManifest& genuine_last,
                    const std::string& delta_file, const fleet::ListKey* signer = nullptr,
                    bool move_pointer = true);

// What follower `gate` reported for lost-stolen in the report bucket ("" when nothing yet).
std::string report_of(fleet::JetStream& link, const std::string& gate);

}  // namespace idr::fleet_test
