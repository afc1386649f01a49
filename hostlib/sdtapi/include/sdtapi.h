/* sdtapi.h: the de-facto ID reader host SDK ("SDT_*", DESIGN 8) as libsdtapi offers it,
 * for existing counter software to use an idr reader unchanged. Linux form of the SDK: C
 * linkage, int results, no calling-convention macro.
 *
 * Every function of the SDK's published header listed in DESIGN 8 is here.
 *
 * Results: 0x90 success; 0x91 the card (or the reader) has no such content;
 * SDT_StartFindIDCard 0x9F found / 0x80 none; SDT_SelectIDCard 0x90 / 0x81. When the
 * reader answers an error, its SW3 is returned (DESIGN 8 table, e.g. 0x41 read failed).
 * Host-side failures use the SDK's codes: 0x01 port number not an SDK port / port not
 * opened / cannot be opened / no reader configured for it, 0x02 no (complete) reply in
 * time, 0x03 transfer error (the link broke or the reply was malformed), 0x05 the port's
 * reader is not on a serial link (SDT_GetCOMBaud, SDT_SetCOMBaud), 0x09 a file cannot be
 * written (..ToFile), 0x21 bad argument (a null buffer, a baud rate not in DESIGN 8).
 *
 * iPort: the SDK's numbers only, 1..16 serial (COM1..COM16) and 1001..1016 USB; any other
 * number answers 0x01. Each maps to the reader configured for it (README.md:
 * IDR_SDT_READER, sdtapi.conf). iIfOpen != 0: the call opens the port (when it is not
 * open), runs, and closes it again; 0: the port must have been opened by SDT_OpenPort,
 * else 0x01.
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
/* Every appended address, as SDT_ReadNewAppMsg (30 03; the reader answers all entries);
 * caller buffer 320 bytes. */
int SDT_ReadAllAppMsg(int iPort, unsigned char* pucAppMsg, unsigned int* puiAppMsgLen, int iIfOpen);
/* The fingerprint alone (30 10; caller buffer 1024 bytes): 0x91 for a card without one. */
int SDT_ReadFPMsg(int iPort, unsigned char* pucFPMsg, unsigned int* puiFPMsgLen, int iIfOpen);
/* As SDT_ReadBaseMsg / SDT_ReadBaseFPMsg, the parts written to the named files (created or
 * truncated; 0x09 when one cannot be written); the lengths are the bytes written. */
int SDT_ReadBaseMsgToFile(int iPort, char* pcCHMsgFileName, unsigned int* puiCHMsgFileLen,
                          char* pcPHMsgFileName, unsigned int* puiPHMsgFileLen, int iIfOpen);
int SDT_ReadBaseFPMsgToFile(int iPort, char* pcCHMsgFileName, unsigned int* puiCHMsgFileLen,
                            char* pcPHMsgFileName, unsigned int* puiPHMsgFileLen,
                            char* pcFPMsgFileName, unsigned int* puiFPMsgFileLen, int iIfOpen);
/* The card's management number and its IIN/SN/DN: the reader's command set (DESIGN 8) has
 * none (its find and select answers carry zeros in their place), so a reader that answers
 * (11 FF) gives 0x91 and the buffer is left as it was. */
int SDT_ReadMngInfo(int iPort, unsigned char* pucManageMsg, int iIfOpen);
int SDT_ReadIINSNDN(int iPort, unsigned char* pucIINSNDN, int iIfOpen);
int SDT_ReadIINSNDNToASCII(int iPort, unsigned char* pucRecvData, int iIfOpen);
/* Serial ports only (iComID 1..16). SDT_GetCOMBaud: the rate at which the port's reader
 * answers (11 FF at the configured rate). SDT_SetCOMBaud: 60 PP sent at uiCurrBaud, then the
 * port speaks uiSetBaud (115200, 57600, 38400, 19200 or 9600; DESIGN 8); an open port is
 * closed (open it again). */
int SDT_GetCOMBaud(int iComID, unsigned int* puiBaud);
int SDT_SetCOMBaud(int iComID, unsigned int uiCurrBaud, unsigned int uiSetBaud);
/* Maximum RF frame size (61 FF ucByte; legacy clients send 0x50). */
int SDT_SetMaxRFByte(int iPort, unsigned char ucByte, int iIfOpen);
/* A short English text for a result code into ErrorString (at least 64 bytes, NUL
 * terminated): 0x90, or 0x21 for a code the SDK does not define. */
int SDT_GetErrorString(int ErrorCode, char* ErrorString);

#ifdef __cplusplus
}
#endif

#endif /* IDR_SDTAPI_H */
