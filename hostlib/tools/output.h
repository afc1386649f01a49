#pragma once
// How the tool shows cards and SAM ids: aligned "Label: value" lines or one line per card
// for people, JSON (one object; one per line for `watch`) for programs.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "idr/card.h"
#include "idr/reader.h"

namespace idr::tool {

[[nodiscard]] std::string base64(const std::vector<uint8_t>& bytes);

// Every typed field (empty strings where the layout has none), coded fields with their
// meaning, photo and fingerprint as {"size", "base64"} (null when not read), the appended
// addresses and the parts read.
[[nodiscard]] nlohmann::json card_json(const CardData& card);
// "Name:        张伟" lines, only the fields this card has.
void print_card(std::ostream& out, const CardData& card);
// One line for gates: type, ID number, name, gender, validity.
[[nodiscard]] std::string card_line(const CardData& card);

[[nodiscard]] nlohmann::json sam_json(const SamId& id);

// dump() that never throws on bad UTF-8 (replaced) and keeps Chinese text readable.
[[nodiscard]] std::string to_text(const nlohmann::json& j);

// The time now in UTC, ISO 8601 to the second ("2026-01-31T08:05:09Z"), as the read
// journal's rows give it.
[[nodiscard]] std::string utc_now_text();

}  // namespace idr::tool
