// `idr blocklist build | check | info | apply` run as a process: what each prints and its exit
// code (hostlib/tools/exit_codes.h: 6 listed, 7 a list that cannot be used, 1 usage).
#include <catch2/catch.hpp>
#include <fstream>

#include "cli_support.h"
#include "idr/blocklist.h"
#include "idr/checks.h"
#include "idr/testing/temp_dir.h"

using namespace idr::cli_test;

namespace {

// A well-formed ID number: region, birth date, sequence and its check character.
std::string id_number(const std::string& first17) {
  return first17 + idr::id_check_char(first17);
}

}  // namespace

TEST_CASE("idr blocklist: build, check, info, apply and their exit codes", "[blocklist]") {
  idr::testing::TempDir dir("idr-cli-blocklist");
  const std::string csv = dir.path + "/list.csv", list = dir.path + "/l.idrbl";
  const std::string listed = id_number("31010419800101123"), other = id_number("11010519491231002");
  {
    std::ofstream out(csv);
    out << "id_number,valid_from\n" << listed << ",20150601\n";
    out << id_number("44030519900215456") << ",20200101\n";
  }
  Run r = run_idr({"blocklist", "build", csv, list});
  REQUIRE(r.status == 0);
  CHECK(r.out.find("entries 2\n") != std::string::npos);

  r = run_idr({"blocklist", "check", list, listed, "20150601"});
  CHECK(r.status == 6);
  CHECK(r.out == "LISTED\n");
  r = run_idr({"blocklist", "check", list, other, "20100101"});
  CHECK(r.status == 0);
  CHECK(r.out == "not listed\n");
  r = run_idr({"blocklist", "check", list, "1101051949123100", "20100101"});
  CHECK(r.status == 1);  // not an ID number
  CHECK(r.err.find("malformed ID number") != std::string::npos);

  r = run_idr({"blocklist", "info", list});
  CHECK(r.status == 0);
  CHECK(r.out.find("entries 2\n") != std::string::npos);
  CHECK(run_idr({"blocklist", "info", csv}).status == 7);  // not a list
  CHECK(run_idr({"blocklist", "info", dir.path + "/missing"}).status == 7);
  CHECK(run_idr({"blocklist", "build", dir.path + "/missing.csv", dir.path + "/x"}).status == 7);

  std::string why;
  REQUIRE(idr::write_blocklist_delta(dir.path + "/d.delta", {{other, "20100101"}}, {}, &why));
  const std::string l2 = dir.path + "/l2.idrbl";
  r = run_idr({"blocklist", "apply", list, dir.path + "/d.delta", l2});
  CHECK(r.status == 0);
  CHECK(r.out.find("added 1\n") != std::string::npos);
  CHECK(run_idr({"blocklist", "check", l2, other, "20100101"}).status == 6);
  // A delta that does not match its checksum: refused, nothing written.
  std::ofstream(dir.path + "/bad.delta") << "+" << listed << ",20150601\n";
  CHECK(run_idr({"blocklist", "apply", list, dir.path + "/bad.delta", dir.path + "/l3.idrbl"})
            .status == 7);
  CHECK(!std::ifstream(dir.path + "/l3.idrbl"));
}
