// UniqueFd: the one owner of a POSIX file descriptor (STYLE.md §3, issue 13 Part 1).
#ifndef SIGNET_CORE_UNIQUE_FD_H_
#define SIGNET_CORE_UNIQUE_FD_H_

namespace signet {

// UniqueFd owns a file descriptor and closes it on destruction. Move-only; a moved-from or
// default-constructed UniqueFd holds -1 and closes nothing. close(2) errors on destruction are
// ignored: a writer that must know whether its data reached the disk fsyncs before it lets go.
class UniqueFd {
 public:
  UniqueFd() = default;
  // UniqueFd(fd) takes ownership of `fd` (any negative value means "none").
  explicit UniqueFd(int fd) : fd_(fd < 0 ? -1 : fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  // get returns the descriptor without giving up ownership (-1 when empty).
  int get() const { return fd_; }
  // valid is true when a descriptor is held.
  bool valid() const { return fd_ >= 0; }
  // Release gives up ownership and returns the descriptor (-1 when empty); the caller closes it.
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Reset closes the held descriptor (if any) and takes ownership of `fd` (default: none).
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace signet

#endif  // SIGNET_CORE_UNIQUE_FD_H_
