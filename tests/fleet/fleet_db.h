#pragma once
// A fresh PostgreSQL database of the fleet engines for one test section, with the alerts
// schema installed, and small helpers over libpq (tests/fleet).
#include <libpq-fe.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <string>

#include "detections.h"
#include "idr/testing/fleet_engines.h"

namespace idr::testing {

class FleetDb {
 public:
  // Creates database fleet_tN on the engines' server and connects to it.
  explicit FleetDb(const FleetEngines& engines) {
    static std::atomic<int> next{0};
    name_ = "fleet_t" + std::to_string(next++);
    PGconn* admin = PQconnectdb(engines.postgres_conninfo().c_str());
    REQUIRE(PQstatus(admin) == CONNECTION_OK);
    PGresult* r = PQexec(admin, ("CREATE DATABASE " + name_).c_str());
    INFO(PQerrorMessage(admin));
    REQUIRE(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(admin);
    std::string conninfo = engines.postgres_conninfo();
    conninfo.replace(conninfo.find("dbname=postgres"), 15, "dbname=" + name_);
    conninfo_ = conninfo;
    db_ = connect();
    std::string why;
    INFO(why);
    REQUIRE(fleet::Detector::install_schema(db_, &why));
  }
  ~FleetDb() { PQfinish(db_); }
  FleetDb(const FleetDb&) = delete;
  FleetDb& operator=(const FleetDb&) = delete;

  [[nodiscard]] PGconn* connect() const {
    PGconn* c = PQconnectdb(conninfo_.c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    return c;
  }
  [[nodiscard]] PGconn* get() const { return db_; }

  void exec(const std::string& sql) const {
    PGresult* r = PQexec(db_, sql.c_str());
    INFO(sql << ": " << PQerrorMessage(db_));
    REQUIRE((PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK));
    PQclear(r);
  }
  // The first column of the first row as text ("" when no row).
  [[nodiscard]] std::string scalar(const std::string& sql) const {
    PGresult* r = PQexec(db_, sql.c_str());
    INFO(sql << ": " << PQerrorMessage(db_));
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    std::string v = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return v;
  }

 private:
  std::string name_, conninfo_;
  PGconn* db_ = nullptr;
};

}  // namespace idr::testing
