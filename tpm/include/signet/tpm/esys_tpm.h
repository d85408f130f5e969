// The tpm2-tss ESAPI implementation of fw::Tpm. See tpm/ARCHITECTURE.md.
#ifndef SIGNET_TPM_ESYS_TPM_H_
#define SIGNET_TPM_ESYS_TPM_H_

#include <memory>
#include <string_view>

#include "signet/core/result.h"
#include "signet/firmware_iface/tpm.h"

namespace signet::tpm {

// OpenTpm connects to the TPM named by an explicit TCTI configuration string
// ("swtpm:host=127.0.0.1,port=N", "device:/dev/tpmrm0", "tabrmd:bus_type=session", ...).
// There is deliberately no default: the caller always says which TPM it means. The returned
// object owns the connection until it is destroyed. Fails with kInvalidArgument for a string
// that is not NAME[:CONFIG], names no loadable TCTI module, or has a configuration the module
// refuses (the operator's input: exit 2), and kUnavailable when a well-formed TCTI cannot reach
// its TPM (exit 3).
Result<std::unique_ptr<fw::Tpm>> OpenTpm(std::string_view tcti);

}  // namespace signet::tpm

#endif  // SIGNET_TPM_ESYS_TPM_H_
