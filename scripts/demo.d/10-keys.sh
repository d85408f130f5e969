# shellcheck shell=bash
# Demo step: a release key in the demo's SoftHSM2 token, through `signet key`.
# Sourced by scripts/demo with SIGNET, DEMO, step() and the softhsm fixture variables in scope.
# Exports KEY_URI (the new key, with its module and PIN file) for later steps.

step "Generate a P-256 release key on the token (non-extractable, sign-only, self-tested)"
TOKEN_URI="pkcs11:token=${SIGNET_TEST_TOKEN_LABEL}?module-path=${SIGNET_TEST_PKCS11_MODULE}&pin-source=${SIGNET_TEST_PIN_FILE}"
"$SIGNET" key generate --token "$TOKEN_URI" --label release-p256 --type ecdsa-p256
KEY_URI="pkcs11:token=${SIGNET_TEST_TOKEN_LABEL};object=release-p256;type=private?module-path=${SIGNET_TEST_PKCS11_MODULE}&pin-source=${SIGNET_TEST_PIN_FILE}"
export KEY_URI

step "List the token's keys"
"$SIGNET" key list --token "$TOKEN_URI"

step "Export the public key (SPKI PEM)"
"$SIGNET" key export --key "$KEY_URI" --out "$DEMO/release-p256.pem"
openssl pkey -pubin -in "$DEMO/release-p256.pem" -noout -text | head -3

step "Check the key: attributes, mechanism support, sign on the token + verify with OpenSSL"
"$SIGNET" key check --key "$KEY_URI"
pkcs11-tool --module "$SIGNET_TEST_PKCS11_MODULE" --token-label "$SIGNET_TEST_TOKEN_LABEL" --login \
  --pin "$(cat "$SIGNET_TEST_PIN_FILE")" --list-objects --type privkey 2>/dev/null | grep -A4 'label: *release-p256'
