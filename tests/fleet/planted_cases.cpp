// Planted cases (planted_cases.h).
#include "planted_cases.h"

#include <algorithm>
#include <memory>

namespace idr::testing {

PlantedScenario planted_scenario() {
  PlantedScenario s;
  // Check digits by GB 11643 (DESIGN 7).
  s.clean = {
      {"11010519491231002X", "张三", "19491231", "20100101", "e0a1b2c3d4e5f601"},
      {"440524188001010014", "李四", "18800101", "20150301", "e0a1b2c3d4e5f602"},
      {"310101199001011234", "王五", "19900101", "20180505", "e0a1b2c3d4e5f603"},
      {"510107198506157213", "赵六", "19850615", "20200220", "e0a1b2c3d4e5f604"},
  };
  s.other_holder = {"11010519491231002X", "张伟", "19491231", "20120101", "e0a1b2c3d4e5f6aa"};
  s.listed = {"120101197709093330", "钱七", "19770909", "20110808", "e0a1b2c3d4e5f6bb"};
  s.replacement = {"120101197709093330", "钱七", "19770909", "20210808", "e0a1b2c3d4e5f6bc"};
  s.lost_stolen_csv = "id_number,valid_from\n120101197709093330,20110808\n";
  return s;
}

std::vector<PlantedAlert> planted_alerts(const PlantedScenario& s,
                                         const std::vector<std::string>& cloned_readers) {
  std::vector<PlantedAlert> out = {{"id-other-holder", s.other_holder.id_number, ""},
                                   {"listed-lost-stolen", s.listed.id_number, ""}};
  for (const auto& r : cloned_readers) out.push_back({"cloned-reader", "", r});
  return out;
}

std::string check_planted_alerts(PGconn* db, const std::vector<PlantedAlert>& planted) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(
      PQexec(db, "SELECT kind, id_number, reader_serial, detail FROM alerts ORDER BY id"), PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return std::string("cannot read alerts: ") + PQerrorMessage(db);
  std::vector<bool> matched(planted.size(), false);
  std::string report;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    const std::string kind = PQgetvalue(r.get(), i, 0), id = PQgetvalue(r.get(), i, 1),
                      reader = PQgetvalue(r.get(), i, 2), detail = PQgetvalue(r.get(), i, 3);
    bool found = false;
    for (size_t p = 0; p < planted.size() && !found; ++p) {
      const PlantedAlert& a = planted[p];
      if (matched[p] || a.kind != kind) continue;
      if (!a.id_number.empty() && a.id_number != id) continue;
      if (!a.reader_serial.empty() && a.reader_serial != reader) continue;
      matched[p] = found = true;
    }
    if (!found) report += "unexpected alert " + kind + ": " + detail + "\n";
  }
  for (size_t p = 0; p < planted.size(); ++p)
    if (!matched[p])
      report += "missing alert " + planted[p].kind + " for " +
                (planted[p].id_number.empty() ? "reader " + planted[p].reader_serial
                                              : "ID number " + planted[p].id_number) +
                "\n";
  return report;
}

}  // namespace idr::testing
