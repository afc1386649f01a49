#include "idr/mps2/cmsdk_uart.h"

#include "idr/mps2/cmsdk.h"
#include "idr/mps2/wake.h"

namespace idr::mps2 {

void CmsdkUart::init(uint32_t baud) {
  (void)set_baud(baud);
  reg(base_ + UartReg::kCtrl) = UartReg::kCtrlTxEn | UartReg::kCtrlRxEn;
}

Status CmsdkUart::set_baud(uint32_t baud) {
  if (baud == 0) return Status::InvalidArgument;
  const uint32_t div = kSysclkHz / baud;
  if (div < 16) return Status::InvalidArgument;  // CMSDK UART minimum divider
  reg(base_ + UartReg::kBaudDiv) = div;
  return Status::Ok;
}

bool CmsdkUart::try_read(uint8_t& byte) {
  if ((reg(base_ + UartReg::kState) & UartReg::kStateRxFull) == 0) return false;
  byte = static_cast<uint8_t>(reg(base_ + UartReg::kData));
  return true;
}

Status CmsdkUart::read_byte(uint8_t& byte, uint64_t timeout_ticks) {
  if (try_read(byte)) return Status::Ok;
  Deadline deadline(timer_, timeout_ticks);
  for (;;) {
    wake_clear();  // before the check: a byte arriving after it still ends the sleep
    if (try_read(byte)) return Status::Ok;
    if (deadline.expired()) return Status::Timeout;
    wake_sleep();
  }
}

Status CmsdkUart::write(const uint8_t* data, size_t len, uint64_t timeout_ticks) {
  for (size_t i = 0; i < len; ++i) {
    if ((reg(base_ + UartReg::kState) & UartReg::kStateTxFull) != 0) {
      Deadline deadline(timer_, timeout_ticks);
      while ((reg(base_ + UartReg::kState) & UartReg::kStateTxFull) != 0) {
        if (deadline.expired()) return Status::Timeout;
      }
    }
    reg(base_ + UartReg::kData) = data[i];
  }
  return Status::Ok;
}

}  // namespace idr::mps2
