#pragma once
// SIGINT/SIGTERM for long-running commands, without async-unsafe work in the handler: the
// handler only writes the signal number to a self-pipe; a watcher thread reads it, marks
// the interruption and runs the action set by the command (e.g. Reader::cancel, or
// forwarding the signal to a child). Handlers are restored when the object goes.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace idr::tool {

class InterruptWatcher {
 public:
  InterruptWatcher();  // throws std::runtime_error when the pipe or the thread cannot be made
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  // Runs on the watcher thread for each signal; replaces the previous action. When it
  // returns, the previous action is not running and will not run again, so what it used
  // may be destroyed.
  void on_interrupt(std::function<void(int signal)> action);
  [[nodiscard]] bool interrupted() const { return signal_.load() != 0; }
  [[nodiscard]] int signal() const { return signal_.load(); }
  // Sleeps up to `d`; returns early (true) when interrupted.
  bool sleep_for(std::chrono::milliseconds d);

 private:
  void watch();

  int pipe_[2] = {-1, -1};
  std::atomic<int> signal_{0};
  std::mutex mutex_;  // signal_ changes and woken_
  std::condition_variable woken_;
  std::mutex action_mutex_;  // held while action_ is replaced or running
  std::function<void(int)> action_;
  std::thread thread_;
};

}  // namespace idr::tool
