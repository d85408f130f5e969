# The appliance log's signing records as `signet audit` reads them back (issue 18): a stored
# audit entry (signer::ParseAuditEntry) and a run of entries (signer::ReadSignings: allow records
# and the Rekor v2 signature entries after them). Hand-made seeds.
signet_fuzz_target(signing_log DEPS signet::signer signet::core)
