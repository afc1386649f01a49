/* The verified read through the C API: waits for a card, reads it signed with a fresh
 * nonce, verifies it, runs the card data checks and the lost/stolen list, and prints
 * "accepted NAME" or "rejected", then one line per reason.
 * usage: verified_read_c READER_URI ROOT_PEM COUNTERS_DB [LOST_STOLEN_LIST] */
#include <stdio.h>

#include "idr/idr_signed.h"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) return 2;
  idr_reader* reader = NULL;
  int rc = idr_reader_open(argv[1], 0, &reader);
  idr_verify_config config = IDR_VERIFY_CONFIG_INIT;
  config.trust = argv[2];
  config.counters_db = argv[3];
  config.lost_stolen = argc == 5 ? argv[4] : NULL;
  idr_card* card = NULL;
  idr_verdict* verdict = NULL;
  if (rc == IDR_OK)
    rc = idr_reader_wait_verified(reader, 30000, IDR_FIELDS_BASE, &config, &card, &verdict);
  if (rc != IDR_OK) {
    fprintf(stderr, "error: %s\n", idr_strerror(rc));
    idr_reader_close(reader);
    return 1;
  }
  const int accepted = idr_verdict_accepted(verdict);
  if (accepted)
    printf("accepted %s\n", idr_card_field(card, IDR_FIELD_NAME));
  else
    printf("rejected\n");
  for (size_t i = 0; i < idr_verdict_count(verdict); ++i) {
    const int outcome = idr_verdict_outcome(verdict, i);
    if (outcome == IDR_CHECK_FAILED ||
        (idr_verdict_required(verdict, i) && outcome != IDR_CHECK_SUCCEEDED))
      printf("  %s: %s\n", idr_verdict_check(verdict, i), idr_verdict_message(verdict, i));
  }
  idr_card_free(card);
  idr_verdict_free(verdict);
  idr_reader_close(reader);
  return accepted ? 0 : 3;
}
