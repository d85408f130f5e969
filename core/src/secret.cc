#include "signet/core/secret.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace signet {

namespace {

size_t PageSize() {
  static const size_t page = [] {
    long n = ::sysconf(_SC_PAGESIZE);
    return n > 0 ? static_cast<size_t>(n) : size_t{4096};
  }();
  return page;
}

size_t MappedSize(size_t n) { return (n + PageSize() - 1) / PageSize() * PageSize(); }

// The system calls themselves, not the libc wrappers: AddressSanitizer replaces mlock/munlock
// with no-ops, and the ASan build must keep secrets out of swap exactly like the release build.
void LockPages(void* p, size_t n) { (void)::syscall(SYS_mlock, p, n); }
void UnlockPages(void* p, size_t n) { (void)::syscall(SYS_munlock, p, n); }

}  // namespace

SecretBytes::SecretBytes(ByteView data) {
  if (data.empty()) return;
  // Pages of its own, locked in RAM (never swapped out) and left out of core dumps. mlock is
  // best effort (an unprivileged CLI may have no RLIMIT_MEMLOCK left); the daemons' tests check
  // that it held. Freed only through Wipe().
  void* p = ::mmap(nullptr, MappedSize(data.size()), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) std::abort();  // out of memory: never continue without the secret
  LockPages(p, MappedSize(data.size()));
  (void)::madvise(p, MappedSize(data.size()), MADV_DONTDUMP);
  data_ = static_cast<uint8_t*>(p);
  size_ = data.size();
  std::memcpy(data_, data.data(), data.size());
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

bool SecretBytes::Equals(const SecretBytes& other) const { return ConstantTimeEqual(Reveal(), other.Reveal()); }

void SecretBytes::Wipe() {
  if (data_ != nullptr) {
    OPENSSL_cleanse(data_, size_);
    UnlockPages(data_, MappedSize(size_));
    (void)::munmap(data_, MappedSize(size_));
  }
  data_ = nullptr;
  size_ = 0;
}

}  // namespace signet
