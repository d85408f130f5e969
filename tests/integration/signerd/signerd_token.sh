#!/usr/bin/env bash
# Token removal and return (hardware-recipes.md pitfall 19): signerd signs on a private copy of
# the SoftHSM2 token; the token directory is moved away (SoftHSM2 then answers
# CKR_OBJECT_HANDLE_INVALID, not CKR_DEVICE_REMOVED) and back. While it is gone /v1/sign is 503
# with Retry-After and /readyz is 503, /healthz stays 200; once it is back signerd signs again
# without a restart (new sessions, login, key lookup). The log verifies.
# usage: signerd_token.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-signerd-token-XXXXXX")
source "$(dirname "$0")/lib.sh"
private_token

make_tls
make_key "signerd-token-$$"
make_builder
make_policy
D=$(printf 'signerd token %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
write_config "$W/signerd.yaml" "$W/state"
start_signerd "$W/signerd.yaml" "$W/signerd.log"
body "$W/allow.json" "$D"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r1") == 200 ]] || fail "sign before removal: $(cat "$W/r1")"
pass "signed with the token present"

mv "$W/tokens" "$W/tokens.away"
s=$(sign_as pipeline-a "$W/allow.json" "$W/r2")
[[ $s == 503 ]] || fail "sign with the token gone: $s $(cat "$W/r2")"
grep -qi '^Retry-After: [1-9]' "$W/r2.h" || fail "503 without Retry-After"
grep -q TOKEN_UNAVAILABLE "$W/r2" || fail "503 body: $(cat "$W/r2")"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r3") == 503 ]] || fail "second sign with the token gone"
[[ $(get /readyz) == 503 ]] || fail "/readyz while the token is gone"
[[ $(get /healthz) == 200 ]] || fail "/healthz while the token is gone"
[[ $(get /metrics) == 200 ]] || fail "/metrics while the token is gone"
grep -q 'signerd_sign_total{verdict="unavailable"} 2' "$W/get.out" || fail "unavailable not counted"
pass "token gone: 503 + Retry-After, /readyz 503, /healthz 200"

mv "$W/tokens.away" "$W/tokens"
ready=""
for _ in $(seq 100); do
  if [[ $(get /readyz) == 200 ]]; then ready=1; break; fi
  sleep 0.2
done
[[ -n $ready ]] || fail "/readyz did not recover after the token came back"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r4") == 200 ]] || fail "sign after the token came back: $(cat "$W/r4")"
[[ $(json "$W/r4" 'j["decision"]["allowed"]') == True ]] || fail "not allowed after recovery"
kill -0 "$PID" || fail "signerd is not the same process"
"$SIGNET" log verify "$W/state/audit.log" > /dev/null || fail "log verify"
pass "token back: ready and signing again without a restart"
echo "signerd token removal OK"
