// Decision: verify_record's results, the DESIGN 7 checks on the verified data and the
// lost/stolen list, as one list of Verdicts (verdict.h). Nothing runs on, and nothing
// exposes, the data of a record that did not verify.
#include <ctime>

#include "decide.h"

namespace idr {

namespace {

Verdict from_record(const RecordCheckResult& r) {
  Verdict v;
  v.name = to_string(r.check);
  v.status = r.outcome;
  v.reason = to_string(r.reason);
  v.message = r.message;
  v.field = r.field;
  v.required = r.required;
  v.source = CheckSource::Record;
  return v;
}

// "lost_stolen": required once the policy has a list, so a card it cannot look up is not
// accepted. `list` is the holder's list taken once for this decision (null: none loaded
// yet), so a reload during it changes nothing here.
Verdict lost_stolen(const Blocklist* list, const CardData& card) {
  Verdict v;
  v.name = "lost_stolen";
  v.required = true;
  v.source = CheckSource::LostStolen;
  if (list == nullptr) {
    v.status = CheckStatus::NotChecked;
    v.reason = "no_list";
    v.message = "no lost/stolen list is loaded yet: the card cannot be checked";
    return v;
  }
  if ((card.fields_read & kText) == 0 || card.id_number.empty()) {
    v.status = CheckStatus::NotChecked;
    v.reason = "no_id_number";
    v.message = "the ID number was not read or not disclosed: the list cannot be checked";
    return v;
  }
  const Result<bool> listed = list->contains(card.id_number, card.validity.from);
  if (!listed) {  // a key the list cannot even hold is not "not listed"
    v.status = CheckStatus::Failed;
    v.reason = "malformed_key";
    v.message = "the ID number or validity start cannot be looked up in the list";
  } else if (*listed) {
    v.status = CheckStatus::Failed;
    v.reason = "listed";
    v.message = "the card (ID number and validity start) is on the lost/stolen list";
  } else {
    v.status = CheckStatus::Succeeded;
    v.reason = "not_listed";
    v.message = "the card is not on the lost/stolen list";
  }
  return v;
}

}  // namespace

bool Decision::accepted() const {
  return verified_ && reasons().empty();
}

std::vector<const Verdict*> Decision::reasons() const {
  std::vector<const Verdict*> out;
  for (const Verdict& v : verdicts_)
    if (v.status == CheckStatus::Failed || (v.required && v.status != CheckStatus::Succeeded))
      out.push_back(&v);
  return out;
}

Decision Decision::Access::decide(Bytes record_file, const std::optional<ReadNonce>& nonce,
                                  Policy& policy, bool live) {
  VerifyOptions o;
  o.trust = &policy.trust;
  o.counters = policy.counters ? &*policy.counters : nullptr;
  o.nonce = nonce;
  o.now = policy.now.value_or(static_cast<int64_t>(std::time(nullptr)));
  o.require_nonce = live || nonce.has_value();
  o.require_counter = live || policy.counters.has_value();
  const VerifiedRecord v = verify_record(record_file, o);

  Decision d;
  d.verified_ = v.verified();
  for (const RecordCheckResult& r : v.verdict().results()) d.verdicts_.push_back(from_record(r));
  if (const SignedRecord* r = v.record()) {
    d.serial_ = r->payload.serial;
    d.counter_ = r->payload.counter;
  }
  d.record_ = std::move(record_file);
  const CardData* card = v.card();  // null unless verified
  if (card == nullptr) return d;
  d.card_ = *card;
  d.fields_ = v.verified_fields();
  for (Verdict& c : check_card_data(*card, policy)) d.verdicts_.push_back(std::move(c));
  return d;
}

std::vector<Verdict> check_card_data(const CardData& card, const Policy& policy) {
  std::vector<Verdict> out;
  if (policy.checks && (card.fields_read & kText) != 0) {
    const CheckClock clock = policy.today.empty() ? CheckClock::local() : CheckClock{policy.today};
    out = check_card(card, clock).verdicts;
  }
  if (policy.lost_stolen) {
    const std::shared_ptr<const Blocklist> list = policy.lost_stolen->current();
    out.push_back(lost_stolen(list.get(), card));
  }
  return out;
}

Decision decide_record(const Bytes& record_file, Policy& policy,
                       const std::optional<ReadNonce>& nonce) {
  return Decision::Access::decide(record_file, nonce, policy, false);
}

}  // namespace idr
