// Detections (detections.h, DESIGN 13): the rules run in PostgreSQL as one PL/pgSQL function, so
// a batch of reads costs one round trip and concurrent workers meet on row locks, not in memory.
#include "detections.h"
#include "fleet_fail.h"
#include "pg_errors.h"

#include <libpq-fe.h>

#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "idr/blocklist.h"
#include "jetstream.h"
#include "pg_array.h"

namespace idr::fleet {

namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultFree>;

std::string pg_error(PGconn* db, const char* what) {
  std::string m = PQerrorMessage(db);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return std::string(what) + ": " + m;
}

// Every statement of the schema, one transaction, serialised between installers by an
// advisory lock (CREATE ... IF NOT EXISTS alone races on the catalog).
constexpr char kSchema[] = R"SQL(
SELECT pg_advisory_xact_lock(7316001);

CREATE TABLE IF NOT EXISTS fleet_sites (
  site text PRIMARY KEY,
  latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180));

CREATE TABLE IF NOT EXISTS alerts (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  reader_serial text NOT NULL,
  counter bigint NOT NULL,
  id_number text NOT NULL,
  chip_uid text NOT NULL,
  site text NOT NULL,
  detail text NOT NULL,
  read_at timestamptz NOT NULL,
  raised_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  published boolean NOT NULL DEFAULT false,
  UNIQUE (kind, reader_serial, counter));
CREATE INDEX IF NOT EXISTS alerts_unpublished ON alerts (id) WHERE NOT published;

-- The rules' own memory: first holder of each ID number, ID number of each chip UID, every
-- (reader, counter) with its record's SHA-256 and read time, last place and time each card
-- was seen.
CREATE TABLE IF NOT EXISTS detect_holders (
  id_number text PRIMARY KEY, name text, birth_date text,
  reader_serial text NOT NULL, counter bigint NOT NULL);
CREATE TABLE IF NOT EXISTS detect_cards (
  chip_uid text PRIMARY KEY, id_number text NOT NULL,
  reader_serial text NOT NULL, counter bigint NOT NULL);
CREATE TABLE IF NOT EXISTS detect_reader_reads (
  reader_serial text NOT NULL, counter bigint NOT NULL, record_sha256 text NOT NULL,
  read_at timestamptz NOT NULL, PRIMARY KEY (reader_serial, counter));
CREATE TABLE IF NOT EXISTS detect_last_seen (
  card text PRIMARY KEY, site text NOT NULL, read_at timestamptz NOT NULL);

CREATE OR REPLACE FUNCTION idr_raise_alert(p_kind text, p_reader text, p_counter bigint,
    p_id text, p_uid text, p_site text, p_detail text, p_read_at timestamptz)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_id bigint;
BEGIN
  INSERT INTO alerts (kind, reader_serial, counter, id_number, chip_uid, site, detail, read_at)
  VALUES (p_kind, p_reader, p_counter, p_id, p_uid, p_site, p_detail, p_read_at)
  ON CONFLICT (kind, reader_serial, counter) DO NOTHING
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION idr_detect(p_reader text, p_counter bigint, p_sha text,
    p_id text, p_name text, p_birth text, p_uid text, p_site text, p_read_at timestamptz,
    p_listed text[], p_max_kmh double precision, p_min_km double precision)
RETURNS TABLE (alert_id bigint, alert_kind text, alert_detail text)
LANGUAGE plpgsql AS $$
DECLARE
  v_prior_sha text; v_above bigint; h detect_holders%ROWTYPE; v_other text;
  v_card text; seen detect_last_seen%ROWTYPE; here fleet_sites%ROWTYPE;
  there fleet_sites%ROWTYPE; v_km double precision; v_hours double precision;
  v_list text; v_id bigint;
BEGIN
  -- Cloned reader: each (reader, counter) once; the same record again is a redelivery.
  INSERT INTO detect_reader_reads VALUES (p_reader, p_counter, p_sha, p_read_at)
    ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    SELECT record_sha256 INTO v_prior_sha FROM detect_reader_reads
      WHERE reader_serial = p_reader AND counter = p_counter;
    IF v_prior_sha = p_sha THEN RETURN; END IF;
    alert_kind := 'cloned-reader';
    alert_detail := format('reader %s counter %s repeated with other content', p_reader, p_counter);
    alert_id := idr_raise_alert(alert_kind, p_reader, p_counter, p_id, p_uid, p_site,
                                alert_detail, p_read_at);
    IF alert_id IS NOT NULL THEN RETURN NEXT; END IF;
  ELSE
    -- A counter below one already seen counts only when read after it: a record that merely
    -- arrives late (a redelivery after a crash, a spool sent late) was read before it.
    SELECT max(counter) INTO v_above FROM detect_reader_reads
      WHERE reader_serial = p_reader AND counter > p_counter AND read_at < p_read_at;
    IF v_above IS NOT NULL THEN
      alert_kind := 'cloned-reader';
      alert_detail := format('reader %s counter %s read after counter %s (went backwards)',
                             p_reader, p_counter, v_above);
      alert_id := idr_raise_alert(alert_kind, p_reader, p_counter, p_id, p_uid, p_site,
                                  alert_detail, p_read_at);
      IF alert_id IS NOT NULL THEN RETURN NEXT; END IF;
    END IF;
  END IF;

  -- The same ID number with another holder (name or birth date, when both reads disclose it).
  IF p_id <> '' THEN
    INSERT INTO detect_holders VALUES (p_id, NULLIF(p_name, ''), NULLIF(p_birth, ''),
                                       p_reader, p_counter)
      ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      SELECT * INTO h FROM detect_holders WHERE id_number = p_id FOR UPDATE;
      v_other := NULL;
      IF p_name <> '' AND h.name IS NOT NULL AND h.name <> p_name THEN
        v_other := format('name %s', h.name);
      ELSIF p_birth <> '' AND h.birth_date IS NOT NULL AND h.birth_date <> p_birth THEN
        v_other := format('birth date %s', h.birth_date);
      END IF;
      IF v_other IS NOT NULL THEN
        alert_kind := 'id-other-holder';
        alert_detail := format('ID number %s read with name %s, birth date %s; first read '
                               '(reader %s counter %s) with %s', p_id, p_name, p_birth,
                               h.reader_serial, h.counter, v_other);
        alert_id := idr_raise_alert(alert_kind, p_reader, p_counter, p_id, p_uid, p_site,
                                    alert_detail, p_read_at);
        IF alert_id IS NOT NULL THEN RETURN NEXT; END IF;
      ELSIF h.name IS NULL OR h.birth_date IS NULL THEN
        UPDATE detect_holders SET name = COALESCE(name, NULLIF(p_name, '')),
                                  birth_date = COALESCE(birth_date, NULLIF(p_birth, ''))
          WHERE id_number = p_id;
      END IF;
    END IF;
  END IF;

  -- The same chip UID with another ID number.
  IF p_uid <> '' AND p_id <> '' THEN
    INSERT INTO detect_cards VALUES (p_uid, p_id, p_reader, p_counter) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      SELECT id_number INTO v_other FROM detect_cards WHERE chip_uid = p_uid;
      IF v_other <> p_id THEN
        alert_kind := 'uid-other-id';
        alert_detail := format('chip UID %s read with ID number %s, before with %s',
                               p_uid, p_id, v_other);
        alert_id := idr_raise_alert(alert_kind, p_reader, p_counter, p_id, p_uid, p_site,
                                    alert_detail, p_read_at);
        IF alert_id IS NOT NULL THEN RETURN NEXT; END IF;
      END IF;
    END IF;
  END IF;

  -- The same card at two sites too far apart for the time between.
  v_card := CASE WHEN p_uid <> '' THEN 'uid:' || p_uid WHEN p_id <> '' THEN 'id:' || p_id END;
  IF v_card IS NOT NULL AND p_site <> '' THEN
    INSERT INTO detect_last_seen VALUES (v_card, p_site, p_read_at) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      SELECT * INTO seen FROM detect_last_seen WHERE card = v_card FOR UPDATE;
      IF seen.site <> p_site THEN
        SELECT * INTO here FROM fleet_sites WHERE site = p_site;
        SELECT * INTO there FROM fleet_sites WHERE site = seen.site;
        IF here.site IS NOT NULL AND there.site IS NOT NULL THEN
          -- Great-circle distance (haversine, mean Earth radius 6371 km).
          v_km := 2 * 6371 * asin(sqrt(
                    sin(radians(here.latitude - there.latitude) / 2) ^ 2 +
                    cos(radians(here.latitude)) * cos(radians(there.latitude)) *
                    sin(radians(here.longitude - there.longitude) / 2) ^ 2));
          v_hours := abs(extract(epoch FROM p_read_at - seen.read_at)) / 3600.0;
          IF v_km >= p_min_km AND (v_hours = 0 OR v_km / v_hours > p_max_kmh) THEN
            alert_kind := 'impossible-travel';
            alert_detail := format('card at %s and %s, %s km apart in %s s (limit %s km/h)',
                                   seen.site, p_site, round(v_km::numeric, 1),
                                   round((v_hours * 3600)::numeric, 1), p_max_kmh);
            alert_id := idr_raise_alert(alert_kind, p_reader, p_counter, p_id, p_uid, p_site,
                                        alert_detail, p_read_at);
            IF alert_id IS NOT NULL THEN RETURN NEXT; END IF;
          END IF;
        END IF;
      END IF;
      IF p_read_at > seen.read_at THEN
        UPDATE detect_last_seen SET site = p_site, read_at = p_read_at WHERE card = v_card;
      END IF;
    END IF;
  END IF;

  -- Listed cards (looked up by the caller in its lists).
  FOREACH v_list IN ARRAY p_listed LOOP
    alert_kind := 'listed-' || v_list;
    alert_detail := format('ID number %s on list %s', p_id, v_list);
    alert_id := idr_raise_alert(alert_kind, p_reader, p_counter, p_id, p_uid, p_site,
                                alert_detail, p_read_at);
    IF alert_id IS NOT NULL THEN RETURN NEXT; END IF;
  END LOOP;
END $$;

-- A batch of reads in one call, in their order (each as idr_detect alone): the rules' state
-- written for one read is seen by the next. Read times in Unix microseconds; each read's
-- list names joined by ',' (names are [a-z0-9-]).
CREATE OR REPLACE FUNCTION idr_detect_batch(p_reader text[], p_counter bigint[], p_sha text[],
    p_id text[], p_name text[], p_birth text[], p_uid text[], p_site text[],
    p_read_at_us bigint[], p_listed text[], p_max_kmh double precision,
    p_min_km double precision)
RETURNS TABLE (read_ord int, alert_id bigint, alert_kind text, alert_detail text)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_reader, 1), 0) LOOP
    RETURN QUERY SELECT i, d.alert_id, d.alert_kind, d.alert_detail
      FROM idr_detect(p_reader[i], p_counter[i], p_sha[i], p_id[i], p_name[i], p_birth[i],
                      p_uid[i], p_site[i], to_timestamp(p_read_at_us[i] / 1e6::float8),
                      string_to_array(p_listed[i], ','), p_max_kmh, p_min_km) d;
  END LOOP;
END $$;
)SQL";

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<void> Detector::install_schema(PGconn* db, std::string* why) {
  const std::string sql = std::string("BEGIN;") + kSchema + "COMMIT;";
  PgResult r(PQexec(db, sql.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    const std::string e = pg_error(db, "installing the alerts schema");
    PgResult rb(PQexec(db, "ROLLBACK"));
    return fail<void>(why, Error::Io, e);
  }
  return {};
}

Result<void> Detector::set_site(PGconn* db, const std::string& site, double latitude,
                                double longitude, std::string* why) {
  const std::string lat = std::to_string(latitude), lon = std::to_string(longitude);
  const char* params[] = {site.c_str(), lat.c_str(), lon.c_str()};
  PgResult r(PQexecParams(db,
                          "INSERT INTO fleet_sites VALUES ($1, $2, $3) ON CONFLICT (site) DO "
                          "UPDATE SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude",
                          3, nullptr, params, nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    return fail<void>(why, Error::InvalidArgument, pg_error(db, ("site " + site).c_str()));
  return {};
}

Result<std::vector<Alert>> Detector::detect(PGconn* db, const ReadForDetection& read,
                                            std::string* why) const {
  return detect_batch(db, {read}, why);
}

Result<std::vector<Alert>> Detector::detect_batch(PGconn* db,
                                                  const std::vector<ReadForDetection>& reads,
                                                  std::string* why) const {
  size_t text = 0;
  for (const auto& r : reads)
    text += r.reader_serial.size() + r.id_number.size() + r.name.size() + r.birth_date.size() +
            r.chip_uid.size() + r.site.size();
  PgArray serial(kPgTextOid, text), counter(kPgInt8Oid, 12 * reads.size()),
      sha(kPgTextOid, 68 * reads.size()), id(kPgTextOid), name(kPgTextOid), birth(kPgTextOid),
      uid(kPgTextOid), site(kPgTextOid), read_at(kPgInt8Oid, 12 * reads.size()), listed(kPgTextOid);
  for (const auto& r : reads) {
    if (r.counter > static_cast<uint64_t>(INT64_MAX))
      return fail<std::vector<Alert>>(why, Error::InvalidArgument, "detect: counter out of range");
    std::string names;
    if (!r.id_number.empty() && !r.valid_from.empty())
      for (const auto& [list, holder] : config_.lists) {
        if (holder == nullptr) continue;
        auto hit = holder->contains(r.id_number, r.valid_from);
        if (hit && *hit) names += (names.empty() ? "" : ",") + list;  // never loaded: not listed
      }
    serial.add(r.reader_serial);
    counter.add_int8(static_cast<int64_t>(r.counter));
    sha.add(r.record_sha256);
    id.add(r.id_number);
    name.add(r.name);
    birth.add(r.birth_date);
    uid.add(r.chip_uid);
    site.add(r.site);
    read_at.add_int8(r.read_at_us);
    listed.add(names);
  }
  char kmh[32], km[32];
  std::snprintf(kmh, sizeof kmh, "%.17g", config_.max_kmh);
  std::snprintf(km, sizeof km, "%.17g", config_.min_km);
  PgParams params;
  for (PgArray* a : {&serial, &counter, &sha, &id, &name, &birth, &uid, &site, &read_at, &listed})
    params.array(*a);
  params.text(kmh);
  params.text(km);
  constexpr int kParams = 12;
  assert(params.count() == kParams);
  constexpr Oid kTexts = 1009, kInt8s = 1016, kFloat8 = 701;
  const Oid types[kParams] = {kTexts, kInt8s, kTexts, kTexts, kTexts,  kTexts,
                              kTexts, kTexts, kInt8s, kTexts, kFloat8, kFloat8};
  PgResult r(PQexecParams(db,
                          "SELECT read_ord, alert_id, alert_kind, alert_detail FROM "
                          "idr_detect_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                          kParams, types, params.values(), params.lengths(), params.formats(), 0));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    // Refused for the data: the reason as the ingester keeps it with the record (pg_errors.h).
    if (pg_data_error(r.get()))
      return fail<std::vector<Alert>>(why, Error::InvalidArgument, pg_refusal(r.get()));
    return fail<std::vector<Alert>>(why, Error::Io, pg_error(db, "detect"));
  }
  std::vector<Alert> alerts;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    const long ord = std::strtol(PQgetvalue(r.get(), i, 0), nullptr, 10);
    if (ord < 1 || static_cast<size_t>(ord) > reads.size())
      return fail<std::vector<Alert>>(why, Error::Io, "detect: an alert for no read of the batch");
    alerts.push_back({std::strtoll(PQgetvalue(r.get(), i, 1), nullptr, 10),
                      PQgetvalue(r.get(), i, 2), PQgetvalue(r.get(), i, 3),
                      reads[static_cast<size_t>(ord) - 1].read_at_us});
  }
  return alerts;
}

void Detector::committed(const std::vector<Alert>& alerts) {
  if (alerts.empty()) return;
  const int64_t now = now_us();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Alert& a : alerts) latency_us_.push_back(now - a.read_at_us);
}

std::vector<int64_t> Detector::read_to_alert_us() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latency_us_;
}

Result<size_t> publish_pending_alerts(PGconn* db, JetStream& link, int replicas, std::string* why) {
  auto stream = link.ensure_stream(kAlertStream, "alerts.>", replicas, why);
  if (!stream) return stream.error();
  size_t published = 0;
  for (;;) {
    PgResult begin(PQexec(db, "BEGIN"));
    if (PQresultStatus(begin.get()) != PGRES_COMMAND_OK)
      return fail<size_t>(why, Error::Io, pg_error(db, "pending alerts"));
    // SKIP LOCKED: several publishers share the work without waiting on each other.
    PgResult r(PQexec(db,
                      "SELECT id, kind, reader_serial, counter, id_number, chip_uid, site, detail, "
                      "extract(epoch FROM read_at)::text, extract(epoch FROM raised_at)::text "
                      "FROM alerts WHERE NOT published ORDER BY id LIMIT 500 "
                      "FOR UPDATE SKIP LOCKED"));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      const std::string e = pg_error(db, "pending alerts");
      PgResult rb(PQexec(db, "ROLLBACK"));
      return fail<size_t>(why, Error::Io, e);
    }
    const int n = PQntuples(r.get());
    std::string ids;
    for (int i = 0; i < n; ++i) {
      auto v = [&](int c) { return std::string(PQgetvalue(r.get(), i, c)); };
      nlohmann::json j = {{"id", std::stoll(v(0))},
                          {"kind", v(1)},
                          {"reader_serial", v(2)},
                          {"counter", std::stoull(v(3))},
                          {"id_number", v(4)},
                          {"chip_uid", v(5)},
                          {"site", v(6)},
                          {"detail", v(7)},
                          {"read_at", std::stod(v(8))},
                          {"raised_at", std::stod(v(9))}};
      const std::string body = j.dump();
      auto seq = link.publish("alerts." + v(1), body.data(), body.size(), "alert-" + v(0), why);
      if (!seq) {
        PgResult rb(PQexec(db, "ROLLBACK"));
        return seq.error();
      }
      ids += (ids.empty() ? "" : ",") + v(0);
    }
    if (n > 0) {
      const std::string sql = "UPDATE alerts SET published = true WHERE id IN (" + ids + ")";
      PgResult u(PQexec(db, sql.c_str()));
      if (PQresultStatus(u.get()) != PGRES_COMMAND_OK ||
          std::string(PQcmdTuples(u.get())) != std::to_string(n)) {
        const std::string e = pg_error(db, "marking alerts published");
        PgResult rb(PQexec(db, "ROLLBACK"));
        return fail<size_t>(why, Error::Io, e);
      }
    }
    // A transaction that failed answers COMMIT with PGRES_COMMAND_OK and the tag ROLLBACK.
    PgResult c(PQexec(db, "COMMIT"));
    if (PQresultStatus(c.get()) != PGRES_COMMAND_OK ||
        std::string(PQcmdStatus(c.get())) != "COMMIT")
      return fail<size_t>(why, Error::Io, pg_error(db, "marking alerts published"));
    published += static_cast<size_t>(n);
    if (n < 500) return published;
  }
}

}  // namespace idr::fleet
