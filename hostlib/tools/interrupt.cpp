#include "interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace idr::tool {

namespace {

// The write end of the active watcher's pipe; the handler's only shared state.
std::atomic<int> g_signal_pipe{-1};
struct sigaction g_old_int, g_old_term;

extern "C" void on_signal(int sig) {
  const int saved = errno;  // write() may change errno under the interrupted code
  const int fd = g_signal_pipe.load();
  if (fd >= 0) {
    const unsigned char b = static_cast<unsigned char>(sig);
    (void)!::write(fd, &b, 1);
  }
  errno = saved;
}

constexpr unsigned char kStop = 0;  // not a signal number: tells the thread to end

}  // namespace

InterruptWatcher::InterruptWatcher() {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) throw std::runtime_error("cannot create the signal pipe");
  g_signal_pipe.store(pipe_[1]);
  thread_ = std::thread([this] { watch(); });
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptWatcher::~InterruptWatcher() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  g_signal_pipe.store(-1);
  const unsigned char stop = kStop;
  while (::write(pipe_[1], &stop, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void InterruptWatcher::on_interrupt(std::function<void(int)> action) {
  std::lock_guard<std::mutex> lock(action_mutex_);  // waits for a running action
  action_ = std::move(action);
}

bool InterruptWatcher::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  return woken_.wait_for(lock, d, [this] { return interrupted(); });
}

void InterruptWatcher::watch() {
  for (;;) {
    unsigned char b = 0;
    const ssize_t n = ::read(pipe_[0], &b, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || b == kStop) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      signal_.store(b);
    }
    woken_.notify_all();
    // Run under action_mutex_ so on_interrupt() cannot return while it runs.
    std::lock_guard<std::mutex> lock(action_mutex_);
    if (action_) action_(b);
  }
}

}  // namespace idr::tool
