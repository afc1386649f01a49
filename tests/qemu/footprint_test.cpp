// DESIGN 9 (footprint): the Cortex-M4 image fits its budget, 96 KiB flash / 24 KiB RAM with
// the stack (linker.ld's regions make a larger image a link error; this reads the ELF the
// QEMU tests run).
#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "qemu_reader.h"

using idr::qemu::ImageSizes;
using idr::qemu::read_image_sizes;

namespace {

using idr::qemu::kFlashBudget;
using idr::qemu::kRamBudget;

struct BerkeleySizes {
  uint64_t text = 0, data = 0, bss = 0;
};

// arm-none-eabi-size, an independent reading of the same ELF.
BerkeleySizes size_tool(const std::string& elf) {
  const std::string cmd = "arm-none-eabi-size '" + elf + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  REQUIRE(p != nullptr);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p.get()) != nullptr) out += buf;
  std::istringstream lines(out);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  BerkeleySizes s;
  std::istringstream fields(row);
  fields >> s.text >> s.data >> s.bss;
  REQUIRE(fields);
  return s;
}

}  // namespace

TEST_CASE("footprint: the Cortex-M4 image fits 96 KiB flash and 24 KiB RAM, stack included") {
  const ImageSizes sizes = read_image_sizes(IDR_QEMU_FIRMWARE_ELF);
  INFO("flash " << sizes.flash << " B, RAM " << sizes.ram << " B (stack " << sizes.stack << " B)");
  CHECK(sizes.flash <= kFlashBudget);
  CHECK(sizes.ram <= kRamBudget);
  CHECK(sizes.stack > 0);  // the RAM figure counts a real stack reservation
  CHECK(sizes.stack < sizes.ram);
}

TEST_CASE("footprint: the ELF reading agrees with arm-none-eabi-size") {
  const ImageSizes sizes = read_image_sizes(IDR_QEMU_FIRMWARE_ELF);
  const BerkeleySizes b = size_tool(IDR_QEMU_FIRMWARE_ELF);
  // Flash holds text and the initial values of every writable section.
  CHECK(sizes.flash == b.text + b.data);
  // RAM holds bss (the stack section is NOLOAD, so size counts it as bss) and .data; the
  // writable sections size counts as data but that stay in flash (.init_array) are not RAM.
  CHECK(sizes.ram >= b.bss);
  CHECK(sizes.ram <= b.data + b.bss);
}

TEST_CASE("footprint: the ELF reader refuses what is not a 32-bit ARM ELF") {
  CHECK_THROWS(read_image_sizes(std::string(IDR_SOURCE_DIR) + "/tests/qemu/README.md"));
  CHECK_THROWS(read_image_sizes("/nonexistent/image.elf"));
}
