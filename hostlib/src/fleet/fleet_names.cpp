// Subjects, message ids, server lists and the record stream (fleet.h, DESIGN 13).
#include <mbedtls/sha256.h>

#include <algorithm>

#include "../core/hex.h"
#include "idr/fleet.h"
#include "jetstream.h"

namespace idr::fleet {

const std::vector<std::string>& default_disclosure() {
  static const std::vector<std::string> fields{"id_number", "name", "birth", "valid_from",
                                               "valid_to"};
  return fields;
}

bool valid_token(const std::string& token) {
  if (token.empty() || token.size() > 64) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Result<std::string> record_subject(const GateSite& site) {
  if (!valid_token(site.province) || !valid_token(site.site)) return Error::InvalidArgument;
  return std::string(kRecordSubjectPrefix) + site.province + "." + site.site;
}

std::string message_id(const std::string& reader_serial, uint64_t counter, const Bytes& record) {
  unsigned char digest[32];
  mbedtls_sha256_ret(record.data(), record.size(), digest, 0);
  std::string id = reader_serial + ":" + std::to_string(counter) + ":";
  detail::append_hex(id, digest, sizeof digest);
  return id;
}

Result<std::vector<std::string>> parse_servers(const std::string& urls, std::string* why) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= urls.size()) {
    const size_t comma = std::min(urls.find(',', start), urls.size());
    const std::string url = urls.substr(start, comma - start);
    if (url.rfind("nats://", 0) != 0 || url.size() == 7 || url.size() > 256 ||
        url.find_first_of(" \t\r\n") != std::string::npos) {
      if (why) *why = "not a nats:// URL: '" + url + "'";
      return Error::InvalidArgument;
    }
    out.push_back(url);
    start = comma + 1;
  }
  if (out.empty() || out.size() > 32) {
    if (why) *why = "give 1 to 32 NATS URLs";
    return Error::InvalidArgument;
  }
  return out;
}

Result<void> ensure_record_stream(const std::vector<std::string>& servers, int replicas,
                                  std::chrono::milliseconds wait, std::string* why) {
  if (replicas < 1 || replicas > 5) {
    if (why) *why = "replicas must be 1..5";
    return Error::InvalidArgument;
  }
  NatsConnect how;
  how.api_wait_ms = wait.count();
  auto link = JetStream::connect(servers, how, why);
  if (!link) return link.error();
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, link->js(), kRecordStream, nullptr, &jerr);
  jsStreamInfo_Destroy(si);
  if (s == NATS_OK) return {};
  if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
    if (why) *why = js_error("stream info", s, jerr);
    return Error::Io;
  }
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = kRecordStream;
  const std::string all = std::string(kRecordSubjectPrefix) + ">";
  const char* subjects[] = {all.c_str()};
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  sc.Replicas = replicas;
  sc.Duplicates = static_cast<int64_t>(10) * 60 * 1'000'000'000;  // ns: a drain retried later
  si = nullptr;
  jerr = static_cast<jsErrCode>(0);
  s = js_AddStream(&si, link->js(), &sc, nullptr, &jerr);
  jsStreamInfo_Destroy(si);
  if (s != NATS_OK && jerr != JSStreamNameExistErr) {  // another creator won the race: fine
    if (why)
      *why = js_error(("cannot create stream " + std::string(kRecordStream)).c_str(), s, jerr);
    return Error::Io;
  }
  return {};
}

}  // namespace idr::fleet
