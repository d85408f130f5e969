# Fuzz targets of the provenance gate (issue 5): the policy parser, the provenance normaliser and
# the evidence readers.
signet_fuzz_target(policy DEPS signet::policy)
signet_fuzz_target(provenance DEPS signet::policy)
signet_fuzz_target(evidence DEPS signet::policy
  SEEDS ${SIGNET_SHARED_DIR}/vectors/accept ${SIGNET_SHARED_DIR}/vectors/reject)
