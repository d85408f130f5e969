// SerialCounter: TSA serial numbers that stay unique across processes and crashes.
//
// DIR/tsa/serial holds the first serial nobody has reserved. A process reserves a block
// [N, N+block) by writing N+block (temp file, fsync, rename, directory fsync) under an exclusive
// flock(2) of DIR/tsa/serial.lock, and only then hands out N, N+1, ... from memory. A crash loses
// the unused rest of a block (a gap), never reuses a serial: nothing is handed out before the
// write that reserves it is durable.
#ifndef SIGNET_TSA_SRC_SERIAL_H_
#define SIGNET_TSA_SRC_SERIAL_H_

#include <cstdint>
#include <mutex>
#include <string>

#include "signet/core/result.h"

namespace signet::tsa::internal {

class SerialCounter {
 public:
  // SerialCounter over the directory `tsa_dir` (DIR/tsa); `block` >= 1.
  SerialCounter(std::string tsa_dir, uint64_t block) : dir_(std::move(tsa_dir)), block_(block == 0 ? 1 : block) {}

  // Check reads the counter file if present: kInvalidArgument when it is not a decimal counter.
  Status Check() const;

  // Next returns a fresh serial (>= 1). kInternal when a block cannot be reserved durably.
  Result<uint64_t> Next();

 private:
  Result<uint64_t> ReadCounter() const;  // 1 when the file is missing
  Status Reserve();                      // called with mu_ held

  std::string dir_;
  uint64_t block_;
  std::mutex mu_;
  uint64_t next_ = 0, end_ = 0;  // [next_, end_) reserved and unused
};

}  // namespace signet::tsa::internal

#endif  // SIGNET_TSA_SRC_SERIAL_H_
