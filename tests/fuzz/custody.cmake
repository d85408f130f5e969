# custody/ parsers (issue 17): keyring.json, revocations.json, transcript lines and share files.
# Seeds: files written by tests/integration/custody/keyring_cli.sh and the unit tests' formats.
signet_fuzz_target(custody_keyring DEPS signet::custody signet::core)
signet_fuzz_target(custody_revocations DEPS signet::custody signet::core)
signet_fuzz_target(custody_transcript DEPS signet::custody signet::core)
signet_fuzz_target(custody_share DEPS signet::custody signet::core OpenSSL::Crypto)
