#!/usr/bin/env bash
# SIGKILL of signerd under load, in a loop: each round starts signerd on the same state_dir,
# runs 4 curl clients signing in a loop, kills signerd with SIGKILL after a short random delay,
# and keeps every answer the clients received. Afterwards every signature a client received has
# a durable entry (check_released.py), and the log verifies (a torn final entry is cut by the
# next start). The token is a private copy restored before each round (SoftHSM2's file store is
# not crash-safe; this test is about signerd's log).
# usage: signerd_kill.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR [ROUNDS]
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4 ROUNDS=${5:-10}
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-signerd-kill-XXXXXX")
source "$(dirname "$0")/lib.sh"
private_token
make_tls
make_key "signerd-kill-$$"
cp -a "$W/tokens" "$W/tokens-pristine"
make_builder
make_policy
D=$(printf 'signerd kill %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
write_config "$W/signerd.yaml" "$W/state"
body "$W/allow.json" "$D"

client() {  # client DIR: sign until the daemon is gone, one answer file per request
  local i=0
  while :; do
    s=$(curl -sS --max-time 10 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
      -H 'Content-Type: application/json' --data-binary "@$W/allow.json" -o "$1/$i.json" -w '%{http_code}' \
      "https://127.0.0.1:$PORT/v1/sign" 2> /dev/null || true)
    [[ $s == 200 ]] || { rm -f "$1/$i.json"; [[ $s == 000 ]] && return 0; }
    i=$((i + 1))
  done
}
for ((r = 0; r < ROUNDS; r++)); do
  rm -rf "$W/tokens"; cp -a "$W/tokens-pristine" "$W/tokens"
  start_signerd "$W/signerd.yaml" "$W/signerd-$r.log"
  cpids=()
  for c in 0 1 2 3; do mkdir -p "$W/r$r-c$c"; client "$W/r$r-c$c" & cpids+=("$!"); done
  # Kill only once this round has released something (a slow build, such as the asan preset,
  # must not turn the loop into ten kills before the first answer), then after a random delay
  # so the kill lands at a different point of a request each round.
  for ((t = 0; t < 600; t++)); do
    compgen -G "$W/r$r-c*/*.json" > /dev/null && break
    kill -0 "$PID" 2> /dev/null || fail "signerd died by itself in round $r"
    sleep 0.1
  done
  sleep "0.$((RANDOM % 5))"
  kill -9 "$PID"
  wait "$PID" 2> /dev/null || true
  for p in "${cpids[@]}"; do wait "$p" || true; done
done
# The next writer cuts a torn final entry; signerd is that writer.
start_signerd "$W/signerd.yaml" "$W/signerd-last.log"
kill "$PID"; wait "$PID" 2> /dev/null || true
"$SIGNET" log verify "$W/state/audit.log" > /dev/null || fail "signet log verify after $ROUNDS kills"
checked=$(python3 "$(dirname "$0")/check_released.py" "$W/state/audit.log" "$W"/r*-c*/*.json) || fail "$checked"
[[ $checked -gt 0 ]] || fail "no signature was received in $ROUNDS rounds: the test proved nothing"
pass "$ROUNDS SIGKILLs under load: all $checked received signatures have durable entries; log verifies"
echo "signerd kill loop OK"
