// The list authority of the fleet tests (list_authority.h).
#include "list_authority.h"

#include <nats/nats.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <iterator>
#include <utility>

#include "idr/blocklist.h"

namespace idr::fleet_test {

using fleet::ListKey;
using fleet::ListKind;
using fleet::ListManifest;

ListKey new_key() {
  std::string why;
  auto k = ListKey::generate(&why);
  INFO(why);
  REQUIRE(k);
  return std::move(*k);
}

ListKey load_anchor(const ListKey& key, const std::string& dir) {
  std::string why;
  REQUIRE(key.save(dir + "/authority.key.pem", dir + "/authority.pub.pem", &why));
  auto a = ListKey::load(dir + "/authority.pub.pem", &why);
  INFO(why);
  REQUIRE(a);
  REQUIRE(!a->has_private());
  return std::move(*a);
}

Authority::Authority() : issued_at(static_cast<int64_t>(std::time(nullptr))) {}

std::string Authority::write(const std::string& name, const std::string& text) {
  const std::string path = dir.path + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string Authority::list(const std::vector<std::string>& lines) {
  std::string csv;
  for (const auto& l : lines) csv += l + "\n";
  const std::string n = std::to_string(csv_count++);
  const std::string out = dir.path + "/list" + n + ".idrbl";
  std::string why;
  INFO(why);
  REQUIRE(idr::build_blocklist(write("list" + n + ".csv", csv), out, &why));
  return out;
}

std::string Authority::delta(const std::vector<std::string>& add) {
  std::vector<std::pair<std::string, std::string>> a;
  for (const auto& l : add) a.emplace_back(l.substr(0, 18), l.substr(19));
  const std::string out = dir.path + "/delta" + std::to_string(csv_count++);
  std::string why;
  REQUIRE(idr::write_blocklist_delta(out, a, {}, &why));
  return out;
}

fleet::PublishOptions Authority::options(const std::string& list) const {
  return {list, dir.path, 1, issued_at};
}

ListManifest publish(fleet::JetStream& link, Authority& a, const std::string& file, bool full,
                     int replicas) {
  std::string why;
  auto o = a.options();
  o.replicas = replicas;
  auto m = full ? fleet::publish_full(link, a.key, o, file, &why)
                : fleet::publish_delta(link, a.key, o, file, &why);
  INFO(why);
  REQUIRE(m);
  return *m;
}

void publish_forged(fleet::JetStream& link, const ListManifest& genuine_last,
                    const std::string& delta_file, const ListKey* signer, bool move_pointer) {
  const ListKey forger = new_key();
  std::ifstream in(delta_file, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string why;
  auto seq = link.publish("lists.lost-stolen.data." + std::to_string(genuine_last.version + 1),
                          content.data(), content.size(), "forged-data", &why, "Idr-Chunk", "0");
  REQUIRE(seq);
  ListManifest m = genuine_last;
  m.version = genuine_last.version + 1;
  m.kind = ListKind::Delta;
  m.base = genuine_last.version;
  m.content_sha256 = fleet::sha256_hex(content.data(), content.size());
  m.content_bytes = content.size();
  m.chunks = 1;
  m.data_seq = *seq;
  auto text = fleet::sign_manifest(m, signer ? *signer : forger, &why);
  REQUIRE(text);
  REQUIRE(link.publish("lists.lost-stolen.manifest", text->data(), text->size(), "forged", &why));
  if (!move_pointer) return;
  auto kv = link.open_kv(fleet::kListBucket, &why);
  REQUIRE(kv);
  uint64_t rev = 0;
  REQUIRE(kvStore_Put(&rev, *kv, "lost-stolen", text->data(), static_cast<int>(text->size())) ==
          NATS_OK);
}

std::string report_of(fleet::JetStream& link, const std::string& gate) {
  auto kv = link.open_kv(fleet::kGateBucket, nullptr);
  if (!kv) return {};
  kvEntry* e = nullptr;
  if (kvStore_Get(&e, *kv, ("lost-stolen." + gate).c_str()) != NATS_OK) return {};
  std::string text(static_cast<const char*>(kvEntry_Value(e)),
                   static_cast<size_t>(kvEntry_ValueLen(e)));
  kvEntry_Destroy(e);
  return text;
}

}  // namespace idr::fleet_test
