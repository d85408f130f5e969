# Fuzz targets of the provenance gate (issue 5): the policy parser and the provenance normaliser.
signet_fuzz_target(policy DEPS signet::signer)
signet_fuzz_target(provenance DEPS signet::signer)
