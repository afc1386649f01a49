#pragma once
// The second-generation resident ID card (and the 'J'/'I'/'Y' cards sharing its layout):
// Type B anticollision answered byte-exactly like the public traces (DESIGN 6), then raw
// APDUs without PCB: GET UID, SELECT, the stand-in mutual authentication and encrypted,
// MACed READ of sam_link.h. Status words from card_layout.h.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "idr/sim/card_image.h"
#include "idr/sim/standin_security.h"
#include "idr/sim/type_b_card.h"

namespace idr::sim {

class ResidentIdCard : public TypeBCard {
 public:
  // Personalises the card: diversifies Kc from K_master and the UID, and writes the issuer
  // MACs (file 04) with K_issuer. The card keeps Kc and the MACs, never the master keys.
  ResidentIdCard(std::string label, CardImage image, const standin::Keys& keys,
                 const TimingParams& timing, uint64_t seed);

  [[nodiscard]] const CardImage& image() const { return image_; }
  [[nodiscard]] bool authenticated() const { return authenticated_; }
  [[nodiscard]] std::optional<uint8_t> selected_file() const { return selected_; }
  // Fault injection for tests: corrupt one bit of a stored file byte after personalisation
  // (the issuer MAC then no longer matches).
  void corrupt_file_byte(uint8_t file, size_t offset, uint8_t xor_mask);

  // Status words this model uses beyond card_layout.h (ISO/IEC 7816-4).
  static constexpr uint16_t kSwConditionsNotSatisfied = 0x6985;  // EXTERNAL AUTH out of order
  static constexpr uint16_t kSwNoCurrentEf = 0x6986;             // READ without SELECT

 protected:
  [[nodiscard]] std::array<uint8_t, 4> pupi() const override { return {0, 0, 0, 0}; }
  [[nodiscard]] std::array<uint8_t, 4> application_data() const override { return {0, 0, 0, 0}; }
  [[nodiscard]] std::array<uint8_t, 3> protocol_info() const override;
  std::optional<std::vector<uint8_t>> on_active_frame(const std::vector<uint8_t>& p,
                                                      Time& processing) override;
  void on_reset() override;

 private:
  std::vector<uint8_t> apdu(const std::vector<uint8_t>& c, Time& processing);
  std::vector<uint8_t> internal_authenticate(const std::vector<uint8_t>& c, Time& processing);
  std::vector<uint8_t> get_challenge(const std::vector<uint8_t>& c, Time& processing);
  std::vector<uint8_t> external_authenticate(const std::vector<uint8_t>& c, Time& processing);
  std::vector<uint8_t> read(const std::vector<uint8_t>& c);
  std::vector<uint8_t> select(const std::vector<uint8_t>& c);
  const std::vector<uint8_t>* file(uint8_t id) const;
  // Share of card_auth_total for auth step 0, 1, 2 (the shares sum to the total).
  [[nodiscard]] Time auth_share(int step) const;

  CardImage image_;
  standin::Key kc_{};
  std::vector<uint8_t> base_, fingerprint_, addresses_, security_;
  std::optional<uint8_t> selected_;
  std::optional<standin::Block> rnd_s_;
  std::optional<std::array<uint8_t, 8>> rnd_c_;
  bool authenticated_ = false;
  standin::SessionKeys session_{};
};

}  // namespace idr::sim
