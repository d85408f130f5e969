#!/usr/bin/env bash
# The token disappears in the middle of a load run (issue 19 part 6): signerd signs on a private
# copy of the SoftHSM2 token while verifierd verifies the same image's provenance; curl loops
# keep both busy. The token directory is moved away (SoftHSM2 then fails every operation on the
# open sessions) and back, under load:
#  - verifierd answers every request 200 allowed, before, during and after (it holds no key);
#  - signerd answers only 200 or 503 (TOKEN_UNAVAILABLE with Retry-After) throughout, every
#    signing that starts after /readyz went 503 and ends before the token returns is a 503, and
#    once /readyz is 200 again the same process signs (200) without a restart;
#  - the audit log verifies and every signature a client received has its entry.
# usage: token_load.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR VERIFIERD [CLIENTS]
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4 VERIFIERD=$5 CLIENTS=${6:-3}
set -a; source "$FIX/softhsm/env"; set +a
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-faults-token-XXXXXX")
source "$(dirname "$0")/lib.sh"
private_token

make_tls
make_key "faults-token-$$"
make_builder
make_policy
D=$(printf 'faults token %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
body "$W/allow.json" "$D"
write_config "$W/signerd.yaml" "$W/state"
start_signerd "$W/signerd.yaml" "$W/signerd.log"
SD=$PID SPORT=$PORT

mkdir "$W/evidence"
cp "$W/prov.dsse.json" "$W/evidence/"
cat > "$W/verifierd.yaml" <<Y
listen: 127.0.0.1:0
tls: {certificate: $W/server.pem, key: $W/server.key}
policies: {default: $W/policy.yaml}
evidence: {directories: [$W/evidence]}
limits: {max_body: 4MiB, header_timeout: 60s}
cache: {max_entries: 0}
Y
daemon_start "$W/verifierd.log" "$VERIFIERD" --config "$W/verifierd.yaml" || fail "verifierd did not start"
PIDS+=("$PID")
VPORT=$PORT
printf '{"image":"%s@sha256:%s","policy":"default"}' "$IMAGE" "$D" > "$W/verify.json"

mkdir "$W/ans"
# loop KIND N: requests until W/stop exists; one line per request in W/ans/KIND-N.log: start,
# end, curl exit code, HTTP status.
loop() {
  local i=0 rc start code
  while [[ ! -e $W/stop ]]; do
    start=$(date +%s.%N)
    rc=0
    if [[ $1 == sign ]]; then
      code=$(curl -sS --max-time 60 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
        -H 'Content-Type: application/json' --data-binary "@$W/allow.json" -D "$W/ans/$1-$2-$i.h" \
        -o "$W/ans/$1-$2-$i" -w '%{http_code}' "https://127.0.0.1:$SPORT/v1/sign" 2> /dev/null) || rc=$?
    else
      code=$(curl -sS --max-time 60 --cacert "$W/ca.pem" -H 'Content-Type: application/json' \
        --data-binary "@$W/verify.json" -o "$W/ans/$1-$2-$i" -w '%{http_code}' \
        "https://127.0.0.1:$VPORT/v1/verify" 2> /dev/null) || rc=$?
    fi
    echo "$start $(date +%s.%N) $rc $code $1-$2-$i" >> "$W/ans/$1-$2.log"
    i=$((i + 1))
  done
}
answers() { cat "$W"/ans/"$1"-*.log 2> /dev/null | awk -v t="$2" -v c="$3" '$1 > t && $4 == c' | wc -l; }
wait_for() {  # wait_for KIND SINCE CODE N: until N answers CODE to requests started after SINCE
  for _ in $(seq 600); do (( $(answers "$1" "$2" "$3") >= $4 )) && return 0; sleep 0.1; done
  fail "fewer than $4 $1 answers $3 after $2"
}
readyz() { curl -s --max-time 10 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
  -o /dev/null -w '%{http_code}' "https://127.0.0.1:$SPORT/readyz" || true; }
LOOPS=()
for n in $(seq "$CLIENTS"); do loop sign "$n" & LOOPS+=($!); loop verify "$n" & LOOPS+=($!); done

T0=$(date +%s.%N)
wait_for sign "$T0" 200 3
wait_for verify "$T0" 200 3
pass "under load: signing and verifying"

T_GONE=$(date +%s.%N)
mv "$W/tokens" "$W/tokens.away"
for _ in $(seq 600); do [[ $(readyz) == 503 ]] && break; sleep 0.1; done
[[ $(readyz) == 503 ]] || fail "/readyz did not go 503 with the token gone"
T_UNREADY=$(date +%s.%N)
wait_for sign "$T_UNREADY" 503 3
wait_for verify "$T_UNREADY" 200 3
T_BACK=$(date +%s.%N)
mv "$W/tokens.away" "$W/tokens"
for _ in $(seq 600); do [[ $(readyz) == 200 ]] && break; sleep 0.1; done
[[ $(readyz) == 200 ]] || fail "/readyz did not recover after the token came back"
T_READY=$(date +%s.%N)
wait_for sign "$T_READY" 200 3
wait_for verify "$T_READY" 200 3
touch "$W/stop"
for p in "${LOOPS[@]}"; do wait "$p" || true; done
kill -0 "$SD" || fail "signerd is not the same process"

python3 - "$W/ans" "$T_UNREADY" "$T_BACK" "$T_READY" <<'PY' || fail "an answer broke the rules above"
import glob, json, os, sys
ans, unready, back, ready = sys.argv[1], *map(float, sys.argv[2:])
count = {}
for log in glob.glob(os.path.join(ans, "*.log")):
    for line in open(log):
        start, end, rc, code, name = line.split()
        start, end = float(start), float(end)
        kind = name.split("-")[0]
        count[(kind, code)] = count.get((kind, code), 0) + 1
        if kind == "verify":
            if rc != "0" or code != "200" or json.load(open(os.path.join(ans, name)))["allowed"] is not True:
                sys.exit(f"{name}: verification did not answer 200 allowed ({rc} {code})")
            continue
        if rc != "0" or code not in ("200", "503"):
            sys.exit(f"{name}: signing answered {code} (curl {rc})")
        if code == "503":
            body = json.load(open(os.path.join(ans, name)))
            headers = open(os.path.join(ans, name + ".h")).read().lower()
            if body.get("code") != "TOKEN_UNAVAILABLE" or "retry-after:" not in headers:
                sys.exit(f"{name}: 503 without TOKEN_UNAVAILABLE and Retry-After: {body}")
        if start > unready and end < back and code != "503":
            sys.exit(f"{name}: signing answered {code} while the token was gone")
        if start > ready and code != "200":
            sys.exit(f"{name}: signing answered {code} after the token came back")
print(sorted(count.items()))
PY
"$SIGNET" log verify "$W/state/audit.log" > /dev/null || fail "log verify"
python3 "$SRC/tests/integration/signerd/check_released.py" "$W/state/audit.log" $(ls "$W"/ans/sign-*-* | grep -v '\.\(h\|log\)$') \
  > /dev/null || fail "a received signature has no entry"
pass "token gone under load: verification kept answering, signing 503 then back without a restart"
echo "faults token OK"
