#include "idr/core/hostlink/reply_writer.h"

#include <cstring>

namespace idr::core {

Status BufferHostLink::write(const uint8_t* data, size_t len) {
  if (len > cap_ - size_) {
    overflow_ = true;
    return Status::BufferTooSmall;
  }
  if (len != 0) std::memcpy(out_ + size_, data, len);
  size_ += len;
  return Status::Ok;
}

Status ReplyWriter::send_built(size_t frame_size) {
  if (frame_size == 0 || frame_size > kStagingSize) return Status::BufferTooSmall;
  return link_.write(staging_, frame_size);
}

void ReplyWriter::begin(uint8_t status3, size_t data_len) {
  staged_ = 0;
  written_ = 0;
  status_ = Status::Ok;
  overflow_ = false;
  sent_any_ = false;
  if (fault_ != nullptr && fault_->faulted()) status_ = Status::HardwareFault;
  // A size no frame can have: nothing goes out (end() reports it).
  if (data_len > hostlink::kMaxReplyData) {
    status_ = Status::InvalidArgument;
    data_len = 0;
  }
  declared_ = data_len;
  const size_t len = 3 + data_len + hostlink::kChkSize;  // SW1 SW2 SW3 DATA CHK
  std::memcpy(staging_, hostlink::kPreamble, hostlink::kPreambleSize);
  staging_[hostlink::kPreambleSize] = static_cast<uint8_t>(len >> 8);
  staging_[hostlink::kPreambleSize + 1] = static_cast<uint8_t>(len & 0xFF);
  staging_[hostlink::kHeaderSize] = 0x00;
  staging_[hostlink::kHeaderSize + 1] = 0x00;
  staging_[hostlink::kHeaderSize + 2] = status3;
  chk_ = hostlink::checksum(staging_ + hostlink::kPreambleSize, hostlink::kLenSize + 3);
  staged_ = hostlink::kReplyDataOffset;
}

void ReplyWriter::send_staged() {
  if (staged_ != 0 && status_ == Status::Ok) {
    status_ = link_.write(staging_, staged_);
    sent_any_ = true;
  }
  staged_ = 0;
}

void ReplyWriter::put(const uint8_t* data, size_t len) {
  if (len > declared_ - written_) {  // more than declared: the excess never goes out
    overflow_ = true;
    len = declared_ - written_;
  }
  // Bounded: each round moves at least one byte (the staging buffer is emptied when full).
  while (len != 0) {
    size_t room = 0;
    uint8_t* at = fill(len, room);
    std::memcpy(at, data, room);
    commit(room);
    data += room;
    len -= room;
  }
}

uint8_t* ReplyWriter::fill(size_t want, size_t& room) {
  if (staged_ == kStagingSize) send_staged();
  room = kStagingSize - staged_;
  if (want < room) room = want;
  if (room == 0) room = 1;  // a caller asking for nothing still gets a valid pointer
  return staging_ + staged_;
}

void ReplyWriter::commit(size_t n) {
  if (n > kStagingSize - staged_) n = kStagingSize - staged_;
  if (n > declared_ - written_) {
    overflow_ = true;
    n = declared_ - written_;
  }
  chk_ = static_cast<uint8_t>(chk_ ^ hostlink::checksum(staging_ + staged_, n));
  staged_ += n;
  written_ += n;
}

Status ReplyWriter::end() {
  const bool exact = written_ == declared_ && !overflow_;
  // Never a valid frame that says something else than declared: pad, and spoil CHK.
  // Bounded: declared_ <= kMaxReplyData (begin).
  const uint8_t zero = 0;
  while (written_ < declared_) put(&zero, 1);
  if (staged_ == kStagingSize) send_staged();
  staging_[staged_++] = exact ? chk_ : static_cast<uint8_t>(~chk_);
  send_staged();
  if (status_ == Status::Ok && !exact) status_ = Status::InvalidArgument;
  return status_;
}

}  // namespace idr::core
