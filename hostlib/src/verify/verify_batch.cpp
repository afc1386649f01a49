// verify_records: many records on N threads, each verified as verify_record does it; the
// threads share the options (idr/verify.h states the contract).
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "idr/verify.h"

namespace idr {

std::vector<VerifiedRecord> verify_records(const std::vector<Bytes>& records,
                                           const VerifyOptions& options, unsigned threads) {
  std::vector<VerifiedRecord> out(records.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, records.size()));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (size_t i = next++; i < records.size(); i = next++)
        out[i] = verify_record(records[i], options);
    } catch (...) {  // bad_alloc: handed to the caller's thread, not std::terminate
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next = records.size();
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    try {
      for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    } catch (...) {  // a thread that cannot start (std::system_error): stop and join the others
      {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      next = records.size();
      for (auto& t : pool) t.join();
      std::rethrow_exception(error);
    }
    work();  // this thread is one of them
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace idr
