# The tile-based transparency log's parsers of untrusted files (issue 16): tile paths, entry
# bundles, hash tiles, note verifier keys and witness cosignatures. Hand-made seeds.
signet_fuzz_target(translog DEPS signet::translog signet::attestation signet::core)
