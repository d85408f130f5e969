# Starting and stopping an swtpm on loopback (sourced): the swtpm fixture and the fault tests
# (which restart their own swtpm on the same state directory) share these.

# swtpm_start WORK STATE_DIR FLAGS [PORT]: start `swtpm socket` (TPM 2.0) on STATE_DIR with
# --flags FLAGS, daemonised, its pid file and log in WORK. Without PORT a free port pair
# (ctrl = port + 1, as the swtpm TCTI assumes) is picked, retrying if one is taken; with PORT
# exactly that pair. Sets SWTPM_PID and SWTPM_PORT; returns 1 (errors in WORK/start.err) when
# no swtpm started.
swtpm_start() {
  local work=$1 state=$2 flags=$3 fixed=${4:-} port attempt i
  SWTPM_PID="" SWTPM_PORT=""
  for attempt in $(seq 20); do
    port=${fixed:-$(( 20000 + (RANDOM % 20000) * 2 ))}
    rm -f "$work/swtpm.pid"
    if swtpm socket --tpm2 --tpmstate dir="$state" \
        --server type=tcp,port=$port,bindaddr=127.0.0.1 --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
        --flags "$flags" --pid file="$work/swtpm.pid" \
        --log file="$work/swtpm.log",level=1 --daemon 2>>"$work/start.err"; then
      for i in $(seq 50); do [[ -s $work/swtpm.pid ]] && break; sleep 0.05; done
      SWTPM_PORT=$port
      SWTPM_PID=$(cat "$work/swtpm.pid")   # swtpm deletes its own pid file on exit
      return 0
    fi
    [[ -n $fixed ]] && sleep 0.2   # the same port: wait for the old socket to go
  done
  return 1
}

# swtpm_stop PID CTRLPORT: graceful shutdown over the control channel, then SIGTERM/SIGKILL,
# waiting on the PID.
swtpm_stop() {
  local pid=$1 ctrl=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  swtpm_ioctl --tcp "127.0.0.1:$ctrl" -s >/dev/null 2>&1 || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
