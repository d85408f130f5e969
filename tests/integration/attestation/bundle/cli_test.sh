#!/usr/bin/env bash
# `signet verify-bundle` end to end: exit codes 0/1/2, --json record, --help documents the protocol.
# usage: cli_test.sh SIGNET SHARED_DIR
set -u
signet=$1 shared=$2
cases=$shared/conformance/bundle-verify
root=$shared/vectors/trust/trusted_root.sigstore-public-good.json
id='https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
iss=https://token.actions.githubusercontent.com
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

help=$("$signet" verify-bundle --help) || fail "--help exited $?"
for word in "--certificate-identity" "--certificate-oidc-issuer" "--key" "--trusted-root" "sha256:" "FILE_OR_DIGEST" "Exit status"; do
  grep -q -- "$word" <<<"$help" || fail "--help does not mention $word"
done

v() { "$signet" verify-bundle "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }

rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 0 ]] || fail "happy path exited $rc: $(cat "$tmp/err")"
digest=sha256:$(sha256sum "$cases/a.txt" | cut -d' ' -f1)
rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" --json "$digest")
[[ $rc == 0 ]] || fail "digest input exited $rc"
grep -q '"verified": true' "$tmp/out" || fail "--json lacks verified:true"
grep -q "\"san\": \"$id\"" "$tmp/out" || fail "--json lacks the SAN"
grep -q '"certificate:chain-at-signing-time"' "$tmp/out" || fail "--json lacks the checks"

# Refusals exit 1 with a finding.
rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "${id}x" --certificate-oidc-issuer "$iss" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 1 ]] || fail "wrong identity exited $rc"
grep -q IDENTITY_MISMATCH "$tmp/err" || fail "no IDENTITY_MISMATCH finding"
rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" --json "sha256:$(printf '0%.0s' {1..64})")
[[ $rc == 1 ]] || fail "wrong digest exited $rc"
grep -q '"finding": "TLOG_BODY_MISMATCH"' "$tmp/out" || fail "--json refusal lacks the finding"
rc=$(v --bundle "$cases/set-invalid-signature_fail/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 1 ]] || fail "bad SET exited $rc"

# Unusable input exits 2.
rc=$(v --bundle "$cases/bundle-malformed-json_fail/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 2 ]] || fail "malformed bundle exited $rc"
rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" "sha256:ABC")
[[ $rc == 2 ]] || fail "bad digest exited $rc"
rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" "$cases/a.txt")
[[ $rc == 2 ]] || fail "missing --trusted-root exited $rc"
rc=$(v --bundle "$cases/happy-path-v0.3/bundle.sigstore.json" --certificate-identity "$id" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 2 ]] || fail "identity without issuer exited $rc"
rc=$(v --bundle "$tmp/nonexistent.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 2 ]] || fail "missing bundle exited $rc"
rc=$(v --bundle "$cases/trust-root-tlog-missing-validity-start_fail/bundle.sigstore.json" --certificate-identity "$id" --certificate-oidc-issuer "$iss" --trusted-root "$cases/trust-root-tlog-missing-validity-start_fail/trusted_root.json" "$cases/a.txt")
[[ $rc == 2 ]] || fail "malformed trusted root exited $rc"

# Managed key.
rc=$(v --bundle "$cases/managed-key-happy-path/bundle.sigstore.json" --key "$cases/managed-key-happy-path/key.pub" --trusted-root "$root" "$cases/a.txt")
[[ $rc == 0 ]] || fail "managed key exited $rc: $(cat "$tmp/err")"
rc=$(v --bundle "$cases/managed-key-happy-path/bundle.sigstore.json" --key "$cases/managed-key-happy-path/key.pub" --trusted-root "$root" "$cases/happy-path-v0.3/README")
[[ $rc == 1 ]] || fail "managed key, wrong artifact exited $rc"
echo "verify-bundle CLI OK"
