#!/usr/bin/env bash
# SIGTERM under load (issue 19 part 6): signerd signs through a slow HSM (fault_module.cc "slow":
# every C_Sign waits, so a signing takes seconds) for CLIENTS curl loops, each opening a new
# connection per request. Then SIGTERM:
#  - every request whose TLS handshake completed gets a whole 200 answer carrying signatures
#    (curl exit 0; none cut off), and at least one of them was in flight when SIGTERM was sent;
#  - once signerd logs "shutting down", a new connection is refused while the in-flight
#    requests are still being answered;
#  - signerd exits 0 having cut off nobody ("cut_off":0), the audit log verifies and every
#    signature a client received has its entry.
# usage: sigterm_load.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR FAULT_MODULE [CLIENTS]
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4 FAULT=$5 CLIENTS=${6:-6}
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-faults-term-XXXXXX")
source "$(dirname "$0")/lib.sh"

make_tls
make_key "faults-term-$$"
make_builder
make_policy
D=$(printf 'faults sigterm %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
body "$W/allow.json" "$D"
write_config "$W/signerd.yaml" "$W/state" "${KEY/module-path=$SIGNET_TEST_PKCS11_MODULE/module-path=$FAULT}"
export SIGNET_FAULT_P11_TARGET=$SIGNET_TEST_PKCS11_MODULE SIGNET_FAULT_P11_MODE=slow SIGNET_FAULT_P11_DELAY_MS=700
start_signerd "$W/signerd.yaml" "$W/signerd.log"
unset SIGNET_FAULT_P11_MODE
SD=$PID

mkdir "$W/ans"
# worker N: requests until the daemon refuses the connection; one line per request in
# W/ans/N.log: start time, curl exit code, HTTP status, handshake time, total time.
worker() {
  local i=0 rc start
  while [[ ! -e $W/stop ]]; do
    start=$(date +%s.%N)
    rc=0
    curl -sS --max-time 120 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
      -H 'Content-Type: application/json' --data-binary "@$W/allow.json" -o "$W/ans/$1-$i" \
      -w '%{http_code} %{time_appconnect} %{time_total}' "https://127.0.0.1:$PORT/v1/sign" \
      > "$W/ans/$1-$i.w" 2> "$W/ans/$1-$i.err" || rc=$?
    echo "$start $rc $(cat "$W/ans/$1-$i.w")" >> "$W/ans/$1.log"
    [[ $rc == 7 ]] && break  # connection refused: the daemon is draining or gone
    i=$((i + 1))
  done
}
WORKERS=()
for n in $(seq "$CLIENTS"); do worker "$n" & WORKERS+=($!); done
# Under load: wait for answers to come back, then stop the daemon while the rest are in flight.
for _ in $(seq 600); do
  (( $(cat "$W"/ans/*.log 2> /dev/null | wc -l) >= CLIENTS )) && break
  sleep 0.1
done
(( $(cat "$W"/ans/*.log | wc -l) >= CLIENTS )) || fail "no answers under load"
T_TERM=$(date +%s.%N)
kill -TERM "$SD"
for _ in $(seq 600); do grep -q '"msg":"shutting down"' "$W/signerd.log" && break; sleep 0.05; done
grep -q '"msg":"shutting down"' "$W/signerd.log" || fail "signerd did not start draining"
# A new connection after draining started is refused while the in-flight requests still run.
refused=""
for _ in $(seq 100); do
  rc=0
  curl -sS --max-time 10 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
    -o /dev/null "https://127.0.0.1:$PORT/healthz" 2> /dev/null || rc=$?
  if [[ $rc == 7 ]]; then refused=1; break; fi
  sleep 0.05
done
[[ -n $refused ]] || fail "a new connection was still accepted while draining"
kill -0 "$SD" 2> /dev/null || fail "signerd had already exited when the refusal was seen (the load was too light)"
rc=0
wait "$SD" || rc=$?
[[ $rc == 0 ]] || fail "signerd exited $rc after SIGTERM"
grep -q '"msg":"stopped".*"cut_off":0' "$W/signerd.log" || fail "signerd cut requests off: $(grep stopped "$W/signerd.log")"
touch "$W/stop"
for p in "${WORKERS[@]}"; do wait "$p" || true; done
pass "SIGTERM: new connections refused while draining; exit 0, nobody cut off"

# Every request that got through the handshake got a whole answer with signatures.
python3 - "$W/ans" "$T_TERM" <<'PY' || fail "a request that got a connection did not get a full answer"
import glob, json, os, sys
ans, t_term = sys.argv[1], float(sys.argv[2])
served = inflight = refused = 0
for log in glob.glob(os.path.join(ans, "*.log")):
    n = os.path.basename(log)[:-4]
    for i, line in enumerate(open(log)):
        start, rc, code, appconnect, total = line.split()
        if float(appconnect) == 0:
            # No TLS connection: refused, or reset before the handshake ended (never a request).
            if code != "000":
                sys.exit(f"{n}-{i}: an HTTP status without a handshake: {line}")
            refused += 1
            continue
        body = json.load(open(os.path.join(ans, f"{n}-{i}")))
        if rc != "0" or code != "200" or "simplesigning.sig" not in body.get("outputs", {}):
            sys.exit(f"{n}-{i}: connected but no whole answer: {line}")
        served += 1
        if float(start) < t_term < float(start) + float(total):
            inflight += 1
if inflight == 0:
    sys.exit("no request was in flight at SIGTERM")
print(f"served {served}, of which in flight at SIGTERM {inflight}; refused {refused}")
PY
"$SIGNET" log verify "$W/state/audit.log" > /dev/null || fail "log verify"
python3 "$SRC/tests/integration/signerd/check_released.py" "$W/state/audit.log" $(ls "$W"/ans/*-* | grep -v '\.\(w\|err\)$') \
  > /dev/null || fail "a received signature has no entry"
pass "every connected request got its whole answer, in-flight ones included; every signature is logged"
echo "faults sigterm OK"
