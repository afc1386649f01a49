#pragma once
// Scenarios (DESIGN 3): JSON files naming cards (personalisation), their arrivals and
// removals, faults, timing parameters, the SAM and the flash. The format is documented in
// hw-sim/scenarios/README.md. Parsing errors throw std::runtime_error naming the field,
// e.g. "cards[1].text.id_number: 19 characters do not fit in 18".
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "idr/sim/card_image.h"
#include "idr/sim/clock.h"
#include "idr/sim/flash_model.h"
#include "idr/sim/rf_field.h"
#include "idr/sim/sam_model.h"
#include "idr/sim/standin_security.h"
#include "idr/sim/timing.h"

namespace idr::sim {

// The text layout and the card type character at byte 248 (DESIGN 8).
enum class CardType : uint8_t { Resident, PermitJ, ForeignI, ForeignY };
[[nodiscard]] const char* to_string(CardType t);
[[nodiscard]] char16_t card_type_char(CardType t);  // ' ', 'J', 'I', 'Y'

// Personalisation of one card.
struct CardSpec {
  std::string label;  // for logs and default UID/photo/fingerprint derivation
  CardType type = CardType::Resident;
  // Text fields by name (names per type in hw-sim/scenarios/README.md), UTF-8.
  std::map<std::string, std::string> text;
  std::optional<std::array<uint8_t, card::kUidSize>> uid;  // default: derived from the label
  std::optional<std::vector<uint8_t>> photo;               // up to 1024 bytes; default: generated
  size_t fingerprint_size = 0;                             // 0, 512 or 1024 (generated)
  std::optional<std::vector<uint8_t>> fingerprint;         // explicit bytes (512 or 1024)
  std::vector<std::string> addresses;                      // up to 4 appended addresses, UTF-8
};

// The exact bytes the card holds. Throws std::runtime_error (naming the field) when a text
// does not fit or is not valid UTF-8/UCS-2.
[[nodiscard]] CardImage make_card_image(const CardSpec& spec);

// UTF-8 to UCS-2LE (BMP only); `what` names the field in errors.
[[nodiscard]] std::vector<uint8_t> utf8_to_ucs2le(const std::string& utf8, const std::string& what);
// Writes utf8 into text[offset, offset + size) as UCS-2LE, right-padded with 20 00.
void put_text(std::array<uint8_t, card::kTextSize>& text, card::Field field,
              const std::string& utf8, const std::string& what);
// The generated "open codec" photo: "IDRG" | width u8 | height u8 | width*height grey
// bytes, row-major, zero padding to 1024 (hw-sim/scenarios/README.md).
[[nodiscard]] std::array<uint8_t, card::kPhotoSize> generated_photo(const std::string& seed_text);
[[nodiscard]] std::vector<uint8_t> generated_fingerprint(const std::string& seed_text, size_t size);
[[nodiscard]] std::array<uint8_t, card::kUidSize> derived_uid(const std::string& seed_text);

struct ScenarioCard {
  CardSpec spec;
  std::vector<PresenceInterval> timeline{PresenceInterval{}};
  LinkFaults faults{};
  // The K_issuer this card's issuer MACs (file 60 04) were made with, when not the
  // scenario's: a card the issuer did not seal. It reads and unwraps normally (K_master is
  // right), and the SAM, holding the scenario's K_issuer, rejects its issuer MACs (0x33).
  std::optional<standin::Key> issuer_key;
};

struct Scenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  TimingParams timing{};
  standin::Keys keys = standin::default_keys();
  std::array<uint8_t, 16> sam_id{};  // default set by parse: 05.01-20101126-...
  LinkFaults field_faults{};
  std::vector<FrameFault> frame_faults;  // faults.frames: on given reader frames
  std::vector<SamFault> sam_faults;      // sam.faults: on the SAM's answers to given frames
  uint32_t flash_page_size = 4096;
  uint32_t flash_page_count = 16;
  std::vector<ScenarioCard> cards;
};

// The SAM id used when a scenario names none: {5, 1, 20101126, 17612485, 112360513}.
[[nodiscard]] std::array<uint8_t, 16> default_sam_id();
[[nodiscard]] std::array<uint8_t, 16> sam_id_from(uint16_t a, uint16_t b, uint32_t c, uint32_t d,
                                                  uint32_t e);

// base_dir resolves relative photo/fingerprint file paths.
[[nodiscard]] Scenario parse_scenario(const std::string& json_text,
                                      const std::string& base_dir = ".");
[[nodiscard]] Scenario load_scenario(const std::string& path);

// Models built from a scenario. `timing` is the simulator's copy (normally scenario.timing).
[[nodiscard]] std::unique_ptr<RfField> build_field(const Scenario& s, EventQueue& queue,
                                                   TimeAccounts& accounts,
                                                   const TimingParams& timing);
[[nodiscard]] std::unique_ptr<SamModel> build_sam(const Scenario& s, EventQueue& queue,
                                                  TimeAccounts& accounts,
                                                  const TimingParams& timing);
[[nodiscard]] std::unique_ptr<FlashModel> build_flash(const Scenario& s);

// Everything of a scenario in one place, for in-process tests.
struct ScenarioRig {
  explicit ScenarioRig(const Scenario& s);
  Scenario scenario;
  EventQueue queue;
  TimeAccounts accounts;
  std::unique_ptr<RfField> field;
  std::unique_ptr<SamModel> sam;
  std::unique_ptr<FlashModel> flash;
  std::vector<CardImage> images;  // make_card_image of each card, in scenario order
};

}  // namespace idr::sim
