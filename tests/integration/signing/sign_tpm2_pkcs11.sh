#!/usr/bin/env bash
# `signet sign` with a TPM-resident key through tpm2-pkcs11 over swtpm (provisioned with
# tpm2_ptool behind tpm2-abrmd); the outputs verify with the openssl CLI and verify-image.
# usage: sign_tpm2_pkcs11.sh FIXTURE_DIR SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNET=$2 SRC=$3
set -a; source "$FIX/swtpm/env"; source "$FIX/abrmd/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-sign-tpm-XXXXXX"); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
MOD=""
for m in /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so /usr/lib/x86_64-linux-gnu/libtpm2_pkcs11.so.1; do
  [[ -f $m ]] && MOD=$m && break
done
[[ -n $MOD ]] || fail "libtpm2_pkcs11 not found (run scripts/setup)"
export TPM2TOOLS_TCTI=$SIGNET_TEST_TABRMD_TCTI TPM2_PKCS11_TCTI=$SIGNET_TEST_TABRMD_TCTI TPM2_PKCS11_STORE=$W/store
export TPM2_PKCS11_LOG_LEVEL=0
mkdir -p "$W/store"; umask 077; printf 'tpm-user-%s' "$$" > "$W/user.pin"
pid=$(tpm2_ptool init --path "$W/store" | sed -n 's/^id: *//p')
tpm2_ptool addtoken --pid="$pid" --label=signet-sign --sopin="so-$$" --userpin="$(cat "$W/user.pin")" --path "$W/store" >/dev/null
tpm2_ptool addkey --label=signet-sign --key-label=release --id=01 --userpin="$(cat "$W/user.pin")" --algorithm=ecc256 --path "$W/store" >/dev/null
KEY="pkcs11:token=signet-sign;object=release;type=private?module-path=$MOD&pin-source=$W/user.pin"
"$SIGNET" key export --key "$KEY" --format pem > "$W/release.pub"

source "$SRC/scripts/lib/builder.sh"
make_builder
D=$(printf 'tpm image %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
make_policy
"$SIGNET" sign --key "$KEY" --policy "$W/policy.yaml" --image "$IMAGE@sha256:$D" --provenance "$W/prov.dsse.json" \
  --out "$W/out" --audit-log "$W/audit.log" > "$W/sign.out" 2> "$W/sign.err" || { cat "$W/sign.out" "$W/sign.err"; fail "sign with the TPM key failed"; }
base64 -d < "$W/out/simplesigning.sig" > "$W/sig.der"
openssl dgst -sha256 -verify "$W/release.pub" -signature "$W/sig.der" "$W/out/simplesigning.json" | grep -q "Verified OK" \
  || fail "openssl does not verify the TPM key's signature"
"$SIGNET" verify-image --key "$W/release.pub" --image "$IMAGE@sha256:$D" --signature "$W/out" > /dev/null || fail "verify-image"
"$SIGNET" log verify "$W/audit.log" > /dev/null || fail "log verify"
echo "sign with a tpm2-pkcs11 key OK"
