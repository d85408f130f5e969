# TPM attestation fuzz targets: evidence (parser + verifier), event log, TPM 2.0 structures,
# and the verifier-driven enrollment messages (challenge, state, response, record).
# Seeds are our own swtpm-generated evidence (tests/fuzz/corpus/tpm_*).
signet_fuzz_target(tpm_evidence DEPS signet::attestation signet::core)
signet_fuzz_target(tpm_event_log DEPS signet::attestation signet::core)
signet_fuzz_target(tpm_structs DEPS signet::attestation signet::core)
signet_fuzz_target(tpm_enrollment DEPS signet::attestation signet::core)
# The daemons' tls section with a TPM key, and `attest tls-key --subject` (issue 14 part 1).
signet_fuzz_target(tpm_tls DEPS signet::service signet::attester signet::core)
