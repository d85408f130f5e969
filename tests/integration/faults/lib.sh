# Shared setup of the fault tests (sourced). Needs FIX, SRC, SIGNET, SIGNERD and W. Reuses the
# signerd tests' setup (TLS material, key, builder, policy, config, curl helpers, PID cleanup)
# and adds a transparency-log state directory and disk-filling helpers.
source "$SRC/tests/integration/signerd/lib.sh"

TOKEN_ADMIN="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"

# init_state DIR LABEL [tsa]: `signet log init` in DIR with a fresh Ed25519 log key LABEL-log on
# the token (its URI names the PIN file, so `signet sign --state-dir` opens it). With "tsa", also
# a TSA key and TSA CA key, all three URIs without a PIN (signerd adds its pin_file; the CLI takes
# --pin-env SIGNET_FAULTS_PIN, exported here), and the clock-sync check off for tests.
init_state() {
  local obj="pkcs11:token=$SIGNET_TEST_TOKEN_LABEL;type=private?module-path=$SIGNET_TEST_PKCS11_MODULE&pin-source=$SIGNET_TEST_PIN_FILE"
  "$SIGNET" key generate --token "$TOKEN_ADMIN" --label "$2-log" --type ed25519 > /dev/null
  local extra=()
  if [[ ${3:-} == tsa ]]; then
    "$SIGNET" key generate --token "$TOKEN_ADMIN" --label "$2-tsa" --type ecdsa-p256 > /dev/null
    "$SIGNET" key generate --token "$TOKEN_ADMIN" --label "$2-tsa-ca" --type ecdsa-p256 > /dev/null
    obj=${obj%%&pin-source=*}
    SIGNET_FAULTS_PIN=$(cat "$SIGNET_TEST_PIN_FILE"); export SIGNET_FAULTS_PIN
    extra=(--tsa-key "${obj/;type=/;object=$2-tsa;type=}" --tsa-ca-key "${obj/;type=/;object=$2-tsa-ca;type=}"
           --pin-env SIGNET_FAULTS_PIN)
  fi
  "$SIGNET" log init --state-dir "$1" --origin log.example --log-key "${obj/;type=/;object=$2-log;type=}" "${extra[@]}" \
    > /dev/null || fail "log init"
  if [[ ${3:-} == tsa ]]; then
    sed -i 's/require_synchronized_clock: true/require_synchronized_clock: false/' "$1/appliance.yaml"
  fi
}

# log_size DIR: the verified tree size of DIR/log (fails the test if it does not verify).
log_size() {
  "$SIGNET" log verify "$1/log" --json > "$W/verify.json" 2>&1 || fail "signet log verify $1/log: $(cat "$W/verify.json")"
  sed -n 's/.*"tree_size": *\([0-9]*\).*/\1/p' "$W/verify.json"
}

# fill_disk FS [KEEP_KB]: fill the file system of directory FS up to KEEP_KB KiB of free space
# (files FS/filler*); free_disk FS removes them.
fill_disk() {
  local keep=${2:-0}
  dd if=/dev/zero of="$1/filler" bs=4k 2> /dev/null || true
  if (( keep > 0 )); then
    local size
    size=$(stat -c %s "$1/filler")
    truncate -s $(( size - keep * 1024 )) "$1/filler"
  fi
}
free_disk() { rm -f "$1"/filler*; }

# leftovers DIR: lists temporary or staging files under DIR (none may stay after a failure).
leftovers() { find "$1" \( -name '*.tmp-*' -o -name '*.staging-*' \) -print; }
