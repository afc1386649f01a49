/* A C program (compiled as C11, not C++) reading a card through the installed idr.h and
 * pkg-config file: `c_client tcp://HOST:PORT`. Prints the card's name and ID number. */
#include <idr/idr.h>
#include <stdio.h>

int main(int argc, char** argv) {
  idr_reader* reader = NULL;
  idr_card* card = NULL;
  const uint8_t* photo = NULL;
  size_t photo_len = 0;
  int rc = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: c_client URI\n");
    return 2;
  }
  rc = idr_reader_open(argv[1], 0, &reader);
  if (rc != IDR_OK) {
    fprintf(stderr, "open: %s\n", idr_strerror(rc));
    return 1;
  }
  rc = idr_reader_wait_for_card(reader, 10000, IDR_FIELDS_ALL, &card);
  if (rc != IDR_OK) {
    fprintf(stderr, "read: %s\n", idr_strerror(rc));
    idr_reader_close(reader);
    return 1;
  }
  photo = idr_card_photo(card, &photo_len);
  printf("type=%d\n", idr_card_type(card));
  printf("name=%s\n", idr_card_field(card, IDR_FIELD_NAME));
  printf("id_number=%s\n", idr_card_field(card, IDR_FIELD_ID_NUMBER));
  printf("photo_bytes=%u\n", photo != NULL ? (unsigned)photo_len : 0u);
  printf("version=%s\n", idr_version());
  idr_card_free(card);
  idr_reader_close(reader);
  return 0;
}
