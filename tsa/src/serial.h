// SerialCounter: TSA serial numbers that stay unique across processes and crashes.
//
// DIR/tsa/serial holds the first serial nobody has reserved. A process reserves a block
// [N, N+block) by writing N+block (temp file, fsync, rename, directory fsync) under an exclusive
// flock(2) of DIR/tsa/serial.lock, and only then hands out N, N+1, ... from memory. A crash loses
// the unused rest of a block (a gap), never reuses a serial: nothing is handed out before the
// write that reserves it is durable.
//
// Time: genTime follows the serials. Next takes the time under the same lock as the serial and
// refuses (kUnavailable, finding CLOCK_STEPPED_BACK) a time before the newest one this process
// handed out, or before the time stored with the last reservation by any process ("N T\n",
// T in Unix seconds; a file holding only "N\n" has no time yet). Across processes the floor is
// therefore the last reservation's time (at most one block of tokens old), within one process
// every token's.
#ifndef SIGNET_TSA_SRC_SERIAL_H_
#define SIGNET_TSA_SRC_SERIAL_H_

#include <cstdint>
#include <mutex>
#include <string>

#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::tsa::internal {

class SerialCounter {
 public:
  // SerialCounter over the directory `tsa_dir` (DIR/tsa); `block` >= 1.
  SerialCounter(std::string tsa_dir, uint64_t block) : dir_(std::move(tsa_dir)), block_(block == 0 ? 1 : block) {}

  // Check reads the counter file if present: kInvalidArgument when it is not a decimal counter.
  Status Check() const;

  // Next returns a fresh serial (>= 1) and, in `gen_time`, the token's time from `clock` in
  // Unix seconds, never before an earlier token's (see above). kInternal when a block cannot be
  // reserved durably; kUnavailable with CLOCK_STEPPED_BACK when the clock is behind.
  Result<uint64_t> Next(const Clock& clock, int64_t* gen_time);

 private:
  struct Stored {
    uint64_t next = 1;  // 1 when the file is missing
    int64_t time = 0;   // 0 when the file holds no time
  };
  Result<Stored> ReadCounter() const;
  Status Reserve(int64_t now);  // called with mu_ held

  std::string dir_;
  uint64_t block_;
  std::mutex mu_;
  uint64_t next_ = 0, end_ = 0;  // [next_, end_) reserved and unused
  int64_t floor_ = 0;            // the newest genTime handed out or stored
};

}  // namespace signet::tsa::internal

#endif  // SIGNET_TSA_SRC_SERIAL_H_
