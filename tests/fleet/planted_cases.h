#pragma once
// Planted cases for the fleet's end-to-end tests (DESIGN 13): cards and readers whose reads
// must raise exactly one alert each, among clean ones that must raise none, and the check
// "every planted case produced its alert and nothing else did" over the alerts table.
#include <libpq-fe.h>

#include <string>
#include <vector>

namespace idr::testing {

// One holder's card as the gates read it (disclosed fields; valid_from YYYYMMDD).
struct PlantedCard {
  std::string id_number, name, birth_date, valid_from, chip_uid;
};

// An alert a planted case must raise: its kind and the ID number (and, for cloned-reader,
// the reader serial) it names. Matching ignores everything else.
struct PlantedAlert {
  std::string kind, id_number, reader_serial;
};

struct PlantedScenario {
  std::vector<PlantedCard> clean;  // read any number of times, anywhere: no alert
  // The same ID number as clean[0] with another holder and chip: raises id-other-holder.
  PlantedCard other_holder;
  // On the lost/stolen list (list entry: its id_number,valid_from): raises listed-lost-stolen.
  PlantedCard listed;
  // A replacement card of the listed holder (same number, later valid_from): no alert.
  PlantedCard replacement;
  // The lost/stolen list's CSV lines (build_blocklist input).
  std::string lost_stolen_csv;
};

// The scenario's cards (fixed, valid GB 11643 numbers). A cloned reader is planted by the
// test itself: two readers with one serial, the copy signing counters the original used.
[[nodiscard]] PlantedScenario planted_scenario();

// The alerts a run of planted_scenario() must raise: other_holder and listed read once each
// (more reads raise one alert per read of them, list them again), plus `cloned_readers`.
[[nodiscard]] std::vector<PlantedAlert> planted_alerts(
    const PlantedScenario& s, const std::vector<std::string>& cloned_readers);

// "" when the alerts table holds exactly one alert for each planted case and no other
// alert; else every missing and every unexpected alert, one a line.
[[nodiscard]] std::string check_planted_alerts(PGconn* db,
                                               const std::vector<PlantedAlert>& planted);

}  // namespace idr::testing
