# OCI registry documents and auth challenges (registry/): what a registry sends back.
signet_fuzz_target(oci_manifest DEPS signet::registry)
signet_fuzz_target(registry_auth DEPS signet::registry)
