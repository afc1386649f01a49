/* sdtapi.h: the de-facto ID reader host SDK ("SDT_*", DESIGN 8) as libsdtapi offers it,
 * for existing counter software to use an idr reader unchanged. Linux form of the SDK: C
 * linkage, int results, no calling-convention macro.
 *
 * Results: 0x90 success; SDT_StartFindIDCard 0x9F found / 0x80 none; SDT_SelectIDCard
 * 0x90 / 0x81; SDT_ReadNewAppMsg 0x90 / 0x91 (no appended address). When the reader
 * answers an error, its SW3 is returned (DESIGN 8 table, e.g. 0x41 read failed). Host-side
 * failures use the SDK's codes: 0x01 port not opened / cannot be opened / no reader
 * configured for it, 0x02 no (complete) reply in time, 0x03 transfer error (the link broke
 * or the reply was malformed), 0x21 bad argument (a null buffer).
 *
 * iPort: 1..16 serial ports, 1001..1016 USB in the SDK; here every port number maps to the
 * reader configured for it (README.md: IDR_SDT_READER, sdtapi.conf). iIfOpen != 0: the
 * call opens the port, runs, and closes it again; 0: SDT_OpenPort was called before.
 */
#ifndef IDR_SDTAPI_H
#define IDR_SDTAPI_H

#ifdef __cplusplus
extern "C" {
#endif

int SDT_OpenPort(int iPort);
int SDT_ClosePort(int iPort);
int SDT_ResetSAM(int iPort, int iIfOpen);
int SDT_GetSAMStatus(int iPort, int iIfOpen);
/* pucSAMID: 16 bytes (u16 LE, u16 LE, u32 LE x3). */
int SDT_GetSAMID(int iPort, unsigned char* pucSAMID, int iIfOpen);
/* pcSAMID: at least 37 bytes; "%02d.%02d-%08u-%010u-%010u". */
int SDT_GetSAMIDToStr(int iPort, char* pcSAMID, int iIfOpen);
/* pucManaInfo: 4 bytes of management information (0x9F). */
int SDT_StartFindIDCard(int iPort, unsigned char* pucManaInfo, int iIfOpen);
/* pucManaMsg: 8 bytes (0x90). */
int SDT_SelectIDCard(int iPort, unsigned char* pucManaMsg, int iIfOpen);
/* Text (256 bytes UCS-2LE) and photo (1024 bytes) exactly as the reader sent them; the
 * lengths are the reply's own (0x100, 0x400). Caller buffers: 256 and 1024 bytes. */
int SDT_ReadBaseMsg(int iPort, unsigned char* pucCHMsg, unsigned int* puiCHMsgLen,
                    unsigned char* pucPHMsg, unsigned int* puiPHMsgLen, int iIfOpen);
/* As SDT_ReadBaseMsg plus the fingerprint (caller buffer 1024 bytes; length 0, 512 or
 * 1024 as the reply says). */
int SDT_ReadBaseFPMsg(int iPort, unsigned char* pucCHMsg, unsigned int* puiCHMsgLen,
                      unsigned char* pucPHMsg, unsigned int* puiPHMsgLen, unsigned char* pucFPMsg,
                      unsigned int* puiFPMsgLen, int iIfOpen);
/* The appended address (70 bytes UCS-2LE per entry, as replied); caller buffer 320 bytes. */
int SDT_ReadNewAppMsg(int iPort, unsigned char* pucAppMsg, unsigned int* puiAppMsgLen, int iIfOpen);
/* Maximum RF frame size (61 FF ucByte; legacy clients send 0x50). */
int SDT_SetMaxRFByte(int iPort, unsigned char ucByte, int iIfOpen);

#ifdef __cplusplus
}
#endif

#endif /* IDR_SDTAPI_H */
