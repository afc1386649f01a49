// usb: specifics through the real libusb and umockdev: enumeration by VID/PID, serial and
// bus:address with the firmware's own descriptors, `idr list` discovery, and pulling the
// device mid-read.
#include <catch2/catch.hpp>
#include <future>
#include <nlohmann/json.hpp>

#include "e2e_support.h"
#include "idr/core/usb/usb_descriptors.h"
#include "idr/discovery.h"
#include "idr/reader.h"
#include "idr/testing/shell_run.h"
#include "usb_e2e_reader.h"

using namespace idr;
using namespace std::chrono_literals;

namespace {
const std::string kSerial = "IDR-USB-TEST-7";
std::string scenario() {
  return test::sample_dir() + "resident-fingerprint.json";
}
}  // namespace

TEST_CASE("usb: the device libusb sees carries the firmware's descriptors") {
  test::UsbReaderProcesses procs(scenario(), kSerial);
  const std::vector<uint8_t>& d = procs.device->descriptors();
  REQUIRE(d.size() == 18 + 32);
  // Device descriptor (USB 2.0 Table 9-8): idVendor at 8, idProduct at 10, little endian.
  CHECK((d[8] | (d[9] << 8)) == 0x1209);
  CHECK((d[10] | (d[11] << 8)) == core::usb::kProductId);
  // Interface (Table 9-12) after the 9-byte configuration: class 0xFF, two endpoints.
  CHECK(d[18 + 9 + 4] == 2);
  CHECK(d[18 + 9 + 5] == 0xFF);
  // Endpoints (Table 9-13): bulk OUT 0x01 and bulk IN 0x81, 64-byte packets.
  CHECK(d[18 + 18 + 2] == 0x01);
  CHECK(d[18 + 18 + 3] == 0x02);
  CHECK(d[18 + 25 + 2] == 0x81);
  CHECK((d[18 + 25 + 4] | (d[18 + 25 + 5] << 8)) == 64);
}

TEST_CASE("usb: open by VID/PID or by serial number or by bus:address") {
  test::UsbReaderProcesses procs(scenario(), kSerial);
  auto any = open_transport("usb:");
  REQUIRE(any.ok());
  // The serial number string was read from the firmware through a control transfer.
  CHECK((*any)->describe() == "usb:1:2?serial=" + kSerial);
  any = Error::Unsupported;  // closes it: the interface is free again

  auto by_serial = open_transport("usb:?serial=" + kSerial);
  REQUIRE(by_serial.ok());
  by_serial = Error::Unsupported;
  CHECK(open_transport("usb:?serial=NOT-THIS-ONE").error() == Error::TransportOpen);

  auto by_address = Reader::open("usb:1:2");
  REQUIRE(by_address.ok());
  CHECK(by_address->status().ok());
  CHECK(open_transport("usb:1:3").error() == Error::TransportOpen);
  CHECK(open_transport("usb:1").error() == Error::InvalidArgument);
  CHECK(open_transport("usb:?baud=9600").error() == Error::InvalidArgument);
}

TEST_CASE("usb: idr list --json lists the reader found by VID/PID enumeration, and it opens") {
  test::UsbReaderProcesses procs(scenario(), kSerial);
  const std::string uri = "usb:1:2?serial=" + kSerial;
  // The library call, in this process.
  auto found = list_usb_readers();
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->front().uri == uri);
  CHECK(found->front().transport == "usb");

  // The command, as a child process under the same umockdev testbed (it inherits the
  // preload and the testbed of this process).
  const auto run = testing::shell_run(std::string(IDR_TOOL_EXE) + " list --json");
  INFO(run.out);
  REQUIRE(run.status == 0);
  const auto listed = nlohmann::json::parse(run.out);
  REQUIRE(listed.is_array());
  int usb = 0;
  for (const auto& r : listed) {
    if (r.at("transport") != "usb") continue;
    ++usb;
    CHECK(r.at("uri") == uri);
    CHECK(r.at("description").get<std::string>().find(kSerial) != std::string::npos);
  }
  CHECK(usb == 1);
  // The listed URI is one the transport opens and the reader answers on.
  auto reader = Reader::open(uri);
  REQUIRE(reader.ok());
  CHECK(reader->status().ok());
}

TEST_CASE("usb: pulling the device mid-read gives TransportClosed and the next open works") {
  test::UsbReaderProcesses procs(scenario(), kSerial);
  auto t = open_transport("usb:");
  REQUIRE(t.ok());
  auto counting = std::make_unique<test::CountingTransport>(std::move(t).value());
  test::CountingTransport& spy = *counting;
  // The command budget and the wait are far beyond the case's ctest timeout, so only the
  // transport seeing the device gone ends the read: a pull it does not see leaves the read
  // waiting until ctest fails the case. No wall-clock bound (DESIGN 9).
  ReaderOptions patient;
  patient.command_timeout = std::chrono::hours(1);
  Reader reader = Reader::over(std::move(counting), patient);

  auto reading = std::async(std::launch::async, [&] {
    return reader.wait_for_card(std::chrono::hours(1), kAll).error();
  });
  // find (answered 9F), select, then the read command: pull while it is being served.
  REQUIRE(spy.wait_for_writes(3, 15s));
  procs.device->pull();
  CHECK(reading.get() == Error::TransportClosed);
  // Still closed for the old handle.
  CHECK(reader.status().error() == Error::TransportClosed);

  // Plugged in again: a new open works and the reader answers.
  procs.device->plug_in(procs.bus_port());
  auto again = Reader::open("usb:");
  REQUIRE(again.ok());
  CHECK(again->status().ok());
  auto id = again->sam_id();
  REQUIRE(id.ok());
  CHECK(id->text.size() == 36);
}
