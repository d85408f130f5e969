#!/usr/bin/env bash
# The clock steps back an hour (issue 19 part 6). signerd runs under libfaketime (LD_PRELOAD on
# that one process, its offset read from a file on every call; the machine's clock is never
# touched; the monotonic clock is left alone so that timers keep working). Its state_dir has a
# transparency log and a TSA. At +2 h it signs and stamps; then its clock steps back to +1 h:
#  - POST /v1/timestamp answers an RFC 3161 rejection, timeNotAvailable, "CLOCK_STEPPED_BACK"
#    (200, application/timestamp-reply: a TSA answers with a status, not an HTTP error);
#  - POST /v1/sign answers 503 CLOCK_STEPPED_BACK with Retry-After, and nothing is logged: the
#    tree does not grow and `signet log verify --from` the earlier checkpoint passes;
#  - `signet tsa stamp` from another process on the real clock (2 h behind the TSA's last
#    reservation) exits 3 with CLOCK_STEPPED_BACK;
# then at +3 h both work again, the log verifies against every earlier checkpoint, and the
# audit records' times never decrease.
# usage: clock_back.sh FIXTURE_DIR SIGNERD SIGNET SOURCE_DIR
set -euo pipefail
FIX=$1 SIGNERD=$2 SIGNET=$3 SRC=$4
set -a; source "$FIX/softhsm/env"; set +a
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[[ -f $FAKETIME_LIB ]] || { echo "FAIL: libfaketime is not installed (scripts/setup)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-faults-clock-XXXXXX")
source "$(dirname "$0")/lib.sh"

make_tls
make_key "faults-clock-$$"
make_builder
make_policy
D=$(printf 'faults clock %s' "$$" | sha256sum | cut -d' ' -f1)
make_provenance prov "$D"
body "$W/allow.json" "$D"
STATE=$W/state
mkdir "$STATE"
init_state "$STATE" "faults-clock-$$" tsa
write_config "$W/signerd.yaml" "$STATE"

echo "+2h" > "$W/faketime"
# ASan insists on coming first in the library list; libfaketime is preloaded before it here.
daemon_start "$W/signerd.log" env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$W/faketime" FAKETIME_NO_CACHE=1 \
  FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  "$SIGNERD" --config "$W/signerd.yaml" || fail "signerd did not start under libfaketime"
PIDS+=("$PID")
SLOG=$W/signerd.log
openssl ts -query -data "$W/allow.json" -sha256 -cert -out "$W/q.tsq" 2> /dev/null
stamp() {  # stamp OUT: POST /v1/timestamp; prints the status, the reply's text in OUT.txt
  local s
  s=$(curl -sS --max-time 30 --cacert "$W/ca.pem" --cert "$W/pipeline-a.pem" --key "$W/pipeline-a.key" \
    -H 'Content-Type: application/timestamp-query' --data-binary "@$W/q.tsq" -o "$1" -w '%{http_code}' \
    "https://127.0.0.1:$PORT/v1/timestamp" 2> /dev/null) || true
  openssl ts -reply -in "$1" -text > "$1.txt" 2> /dev/null || true
  echo "$s"
}
gentime() { sed -n 's/^Time stamp: //p' "$1.txt"; }

[[ $(sign_as pipeline-a "$W/allow.json" "$W/r1") == 200 ]] || fail "sign at +2h: $(cat "$W/r1")"
[[ $(stamp "$W/t1") == 200 ]] && grep -q 'Status: Granted' "$W/t1.txt" || fail "stamp at +2h: $(cat "$W/t1.txt")"
cp "$STATE/log/checkpoint" "$W/cp1"
size1=$(log_size "$STATE")
pass "at +2h: signed and stamped ($(gentime "$W/t1"))"

echo "+1h" > "$W/faketime"
[[ $(stamp "$W/t2") == 200 ]] || fail "/v1/timestamp at +1h: not an RFC 3161 answer"
grep -q 'Status: Rejected' "$W/t2.txt" || fail "the TSA stamped with its clock stepped back: $(cat "$W/t2.txt")"
grep -q 'CLOCK_STEPPED_BACK' "$W/t2.txt" || fail "the rejection does not say why: $(cat "$W/t2.txt")"
grep -q "the TSA's time source is not available" "$W/t2.txt" || fail "not timeNotAvailable: $(cat "$W/t2.txt")"
s=$(sign_as pipeline-a "$W/allow.json" "$W/r2")
[[ $s == 503 ]] || fail "sign at +1h answered $s: $(cat "$W/r2")"
grep -q CLOCK_STEPPED_BACK "$W/r2" || fail "503 body: $(cat "$W/r2")"
grep -qi '^Retry-After: [1-9]' "$W/r2.h" || fail "503 without Retry-After"
[[ $(log_size "$STATE") == "$size1" ]] || fail "a record was logged with the clock stepped back"
"$SIGNET" log verify "$STATE/log" --from "$W/cp1" > /dev/null || fail "log verify --from the checkpoint before the step"
printf 'data' > "$W/data"
rc=0
"$SIGNET" tsa stamp --state-dir "$STATE" --in "$W/data" --out "$W/cli.tsr" --pin-env SIGNET_FAULTS_PIN > /dev/null 2> "$W/cli.err" || rc=$?
[[ $rc == 3 ]] || fail "signet tsa stamp on the real clock (2h behind) exited $rc: $(cat "$W/cli.err")"
grep -q CLOCK_STEPPED_BACK "$W/cli.err" || fail "tsa stamp refusal: $(cat "$W/cli.err")"
[[ ! -e $W/cli.tsr ]] || fail "tsa stamp wrote a token"
pass "clock stepped back 1h: TSA rejects (timeNotAvailable, CLOCK_STEPPED_BACK), /v1/sign 503, nothing logged"

echo "+3h" > "$W/faketime"
[[ $(stamp "$W/t3") == 200 ]] && grep -q 'Status: Granted' "$W/t3.txt" || fail "stamp at +3h: $(cat "$W/t3.txt")"
[[ $(sign_as pipeline-a "$W/allow.json" "$W/r3") == 200 ]] || fail "sign at +3h: $(cat "$W/r3")"
(( $(log_size "$STATE") > size1 )) || fail "the log did not grow at +3h"
"$SIGNET" log verify "$STATE/log" --from "$W/cp1" > /dev/null || fail "log verify --from the first checkpoint"
python3 - "$STATE/log" <<'PY' || fail "the audit records' times decrease"
import glob, json, os, struct, sys
times = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "tile/entries/**/*"), recursive=True)):
    if os.path.isdir(path):
        continue
    data = open(path, "rb").read()
    while data:
        (n,) = struct.unpack(">H", data[:2])
        entry, data = data[2:2 + n], data[2 + n:]
        if entry.startswith(b'{"decision"'):
            times.append(json.loads(entry)["time"])
if len(times) < 2 or times != sorted(times):
    sys.exit(f"record times: {times}")
print(times)
PY
pass "at +3h: TSA and signing work again; the log is consistent and its times never decrease"
echo "faults clock OK"
