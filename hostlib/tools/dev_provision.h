#pragma once
// `idr sim`'s development provisioning (DESIGN 11): a throwaway CA in a fresh temp directory,
// the simulated reader provisioned with it exactly as `idr provision` does
// (ca::provision_reader), and a counter store beside it. Everything is removed when the object
// goes.
#include <string>

namespace idr::tool {

class DevProvisioning {
 public:
  // Provisions the reader at `uri`. Throws std::runtime_error saying which step failed.
  explicit DevProvisioning(const std::string& uri);
  ~DevProvisioning();
  DevProvisioning(const DevProvisioning&) = delete;
  DevProvisioning& operator=(const DevProvisioning&) = delete;

  // The dev root certificate (PEM): what IDR_TRUST names.
  [[nodiscard]] std::string trust_path() const { return dir_ + "/ca/root.crt.pem"; }
  [[nodiscard]] std::string counters_path() const { return dir_ + "/counters.db"; }
  [[nodiscard]] const std::string& serial() const { return serial_; }

 private:
  std::string dir_;
  std::string serial_;
};

}  // namespace idr::tool
