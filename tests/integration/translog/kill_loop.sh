#!/usr/bin/env bash
# Crash safety of the log writer: `tlog_tool append` (translog::TransparencyLog::AppendAsync,
# batches of at most 64 entries, one checkpoint per batch) is SIGKILLed at a random point, ROUNDS
# times. After each round:
#  - `signet log verify` passes, and proves the new checkpoint consistent with the previous one;
#  - every entry the writer acknowledged (its callback ran: printed "ACK entry index size") is at
#    its index and covered by the committed checkpoint (tlog_tool check);
#  - no temporary file survives the next writer's Open.
# Some rounds must kill a writer mid-stream (after some acks, before it finished), else the loop
# proved nothing.
# usage: kill_loop.sh TLOG_TOOL SIGNET [ROUNDS]
set -euo pipefail
TOOL=$1 SIGNET=$2 ROUNDS=${3:-50}
W=$(mktemp -d "${TMPDIR:-/tmp}/signet-tlog-kill-XXXXXX")
pid=""
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
fail() { echo "FAIL: round $round: $*"; exit 1; }
round=0
openssl genpkey -algorithm ed25519 -out "$W/log.key" 2>/dev/null
mkdir "$W/state"
"$TOOL" init "$W/state" log.example "$W/log.key" > /dev/null
cp "$W/state/log/checkpoint" "$W/prev"
midstream=0
for round in $(seq 1 "$ROUNDS"); do
  "$TOOL" append "$W/state" "$W/log.key" 100000 "r$round" > "$W/ack.$round" 2> "$W/err.$round" &
  pid=$!
  # 10..300 ms: from before the first commit (start-up, recovery) to well into the stream.
  sleep "$(printf '0.%03d' $(( (RANDOM % 291) + 10 )))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  acks=$(grep -c '^ACK ' "$W/ack.$round" || true)
  (( acks > 0 )) && midstream=$((midstream + 1))
  # The log as the killed writer left it (no writer has recovered it yet) verifies, and is
  # consistent with the previous round's checkpoint.
  "$SIGNET" log verify "$W/state/log" --from "$W/prev" > "$W/verify" 2>&1 || { cat "$W/verify"; fail "log verify"; }
  "$TOOL" check "$W/state" "$W"/ack.* > /dev/null 2> "$W/check" || { cat "$W/check"; fail "an acknowledged entry is missing"; }
  cp "$W/state/log/checkpoint" "$W/prev"
done
# The next writer recovers: temporary files and uncommitted tiles are gone, and it appends.
"$TOOL" append "$W/state" "$W/log.key" 3 final > /dev/null
if find "$W/state" -name '*.tmp-*' | grep -q .; then fail "temporary files survived recovery"; fi
"$SIGNET" log verify "$W/state/log" --from "$W/prev" > /dev/null || fail "final verify"
"$TOOL" check "$W/state" "$W"/ack.* || fail "final check"
(( midstream > 0 )) || fail "no round killed a writer after it acknowledged entries"
echo "PASS: $ROUNDS rounds, $midstream killed mid-stream"
