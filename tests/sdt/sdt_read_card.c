/* A legacy-style C client written against sdtapi.h only (as counter software is): opens
 * port 1001, resets and checks the SAM, polls for a card, selects it, reads text + photo +
 * fingerprint and the appended address, closes. Prints "name=value" lines (result codes
 * in hex, lengths, the SAM id string) and writes the raw buffers into OUTDIR for the test
 * (sdt_test.cpp) to compare with the card's personalisation.
 *
 *   sdt_read_card OUTDIR
 * Exit 0 when every call gave its success code, 1 otherwise, 2 on a usage error. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sdtapi.h"

static int save(const char* dir, const char* name, const unsigned char* data, unsigned len) {
  char path[512];
  FILE* f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (f == NULL) return 0;
  if (len != 0 && fwrite(data, 1, len, f) != len) {
    fclose(f);
    return 0;
  }
  return fclose(f) == 0;
}

int main(int argc, char** argv) {
  const int port = 1001; /* the SDK's first USB port; any number maps to the configured reader */
  unsigned char mana[8], text[256], photo[1024], fp[1024], app[320], sam[16];
  unsigned text_len = 0, photo_len = 0, fp_len = 0, app_len = 0;
  char sam_text[37];
  int rc, find = 0x80, i, failed = 0;
  const struct timespec pause = {0, 50 * 1000 * 1000};

  if (argc != 2) {
    fprintf(stderr, "usage: sdt_read_card OUTDIR\n");
    return 2;
  }
  rc = SDT_OpenPort(port);
  printf("open=0x%02X\n", rc);
  if (rc != 0x90) return 1;
  rc = SDT_ResetSAM(port, 0);
  printf("reset=0x%02X\n", rc);
  failed |= rc != 0x90;
  rc = SDT_GetSAMStatus(port, 0);
  printf("status=0x%02X\n", rc);
  failed |= rc != 0x90;
  rc = SDT_GetSAMID(port, sam, 0);
  printf("samid=0x%02X\n", rc);
  failed |= rc != 0x90 || !save(argv[1], "samid.bin", sam, 16);
  rc = SDT_GetSAMIDToStr(port, sam_text, 0);
  printf("samidstr=0x%02X\nsamid_text=%s\n", rc, rc == 0x90 ? sam_text : "");
  failed |= rc != 0x90;
  rc = SDT_SetMaxRFByte(port, 0x50, 0);
  printf("maxrf=0x%02X\n", rc);
  failed |= rc != 0x90;

  /* Poll like a counter application: at most 200 finds, 50 ms apart (10 s). */
  for (i = 0; i < 200 && find != 0x9F; ++i) {
    memset(mana, 0xEE, sizeof(mana));
    find = SDT_StartFindIDCard(port, mana, 0);
    if (find != 0x9F) nanosleep(&pause, NULL);
  }
  printf("find=0x%02X\nmanainfo=%02X%02X%02X%02X\n", find, mana[0], mana[1], mana[2], mana[3]);
  if (find != 0x9F) return 1;
  memset(mana, 0xEE, sizeof(mana));
  rc = SDT_SelectIDCard(port, mana, 0);
  printf("select=0x%02X\nmanamsg=", rc);
  for (i = 0; i < 8; ++i) printf("%02X", mana[i]);
  printf("\n");
  failed |= rc != 0x90;
  rc = SDT_ReadBaseFPMsg(port, text, &text_len, photo, &photo_len, fp, &fp_len, 0);
  printf("readbasefp=0x%02X\ntext_len=%u\nphoto_len=%u\nfp_len=%u\n", rc, text_len, photo_len,
         fp_len);
  failed |= rc != 0x90;
  if (rc == 0x90)
    failed |= !save(argv[1], "text.bin", text, text_len) ||
              !save(argv[1], "photo.bin", photo, photo_len) || !save(argv[1], "fp.bin", fp, fp_len);
  rc = SDT_ReadNewAppMsg(port, app, &app_len, 0);
  printf("newapp=0x%02X\napp_len=%u\n", rc, rc == 0x90 ? app_len : 0u);
  if (rc == 0x90) failed |= !save(argv[1], "app.bin", app, app_len);
  failed |= rc != 0x90 && rc != 0x91;
  /* The card was read: it stays active, so a find now answers 80 (DESIGN 8). */
  rc = SDT_StartFindIDCard(port, mana, 0);
  printf("find_again=0x%02X\n", rc);
  rc = SDT_ClosePort(port);
  printf("close=0x%02X\n", rc);
  failed |= rc != 0x90;
  rc = SDT_GetSAMStatus(port, 0);
  printf("status_closed=0x%02X\n", rc);
  return failed ? 1 : 0;
}
