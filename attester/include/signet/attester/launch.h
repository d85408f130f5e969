// Measured launch on the appliance: hash files into a PCR with a typed event log, then exec the
// very file description that was measured. See attester/ARCHITECTURE.md.
#ifndef SIGNET_ATTESTER_LAUNCH_H_
#define SIGNET_ATTESTER_LAUNCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "signet/attestation/event_log.h"
#include "signet/attester/attester.h"
#include "signet/core/file.h"
#include "signet/core/result.h"

namespace signet::attester {

// Measure is one file to measure.
struct Measure {
  attestation::EventKind kind;
  std::string path;       // absolute, normalized: what is hashed (and, for launch, recorded)
  std::string installed;  // reference only: the path recorded (default: `path`)
};

// AbsolutePath makes `p` absolute and lexically normal; kInvalidArgument if it cannot.
Result<std::string> AbsolutePath(const std::string& p);

// ParseMeasures reads KIND=PATH specs, and KIND=PATH=INSTALLED when `allow_installed` (the
// reference is computed from the release artifact PATH but binds the absolute path INSTALLED
// the appliance measures it at; the split is at the last "=/"). kInvalidArgument for a malformed
// spec, an unknown kind, a non-normalized INSTALLED, or no spec at all.
Result<std::vector<Measure>> ParseMeasures(const std::vector<std::string>& specs, bool allow_installed);

// LaunchOpts are the inputs of MeasureForLaunch and Launch.
struct LaunchOpts {
  std::string event_log, pin_env;
  uint32_t pcr = 0;
  bool pcr_set = false;   // --pcr was given (it has no default)
  bool reset_pcr = false;
  std::vector<std::string> measures;  // KIND=PATH
  std::vector<std::string> command;   // the command line to exec, verbatim
};

// MeasuredExec is the binary Launch will execute: the descriptor its bytes were hashed from.
struct MeasuredExec {
  UniqueFd fd;
  bool script = false;  // starts with "#!": the interpreter reads it through /dev/fd/N
};

// MeasureForLaunch opens every measured file once (regular files only), hashes it from that
// descriptor, extends one record per file and a separator, and writes the log. The descriptor
// of the binary the command names is kept for the exec, so what runs is what was measured.
// Everything local is refused before the TPM is opened (kInvalidArgument: --pcr out of range,
// no command, the command not a measured binary or not executable, a log that would exceed
// attestation::kMaxEvents, an existing log that does not parse or breaks the sequence). Without
// `reset_pcr` an existing log is appended to. It returns with the TPM connection closed, so the
// launched program can use the TPM.
Result<MeasuredExec> MeasureForLaunch(const LaunchOpts& o, const TpmOpener& open_tpm);

// ScrubEnv removes `name` from this process's environment, wiping its value first, so neither
// the launched program nor anything else this process runs can read it. An empty name is a no-op.
void ScrubEnv(const std::string& name);

// Launch scrubs `pin_env`, requires --pcr, runs MeasureForLaunch and fexecve()s the measured
// descriptor with `command` and this process's environment. It returns only on failure, with
// the error: kInvalidArgument for input, kNotFound when a script's interpreter is missing
// (ENOENT), kInvalidArgument when the file cannot run (EACCES, ENOEXEC, EPERM), kInternal
// otherwise. After a failed exec the PCR already records the measurement (the log says so).
Error Launch(const LaunchOpts& o, const TpmOpener& open_tpm);

}  // namespace signet::attester

#endif  // SIGNET_ATTESTER_LAUNCH_H_
