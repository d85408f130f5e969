#!/usr/bin/env bash
# Layering check (ARCHITECTURE.md): every `#include "signet/<module>/..."` in a module's
# include/ and src/ must name the module itself or a module below it. A back arrow (a lower layer
# including a higher one), a library including ops/ or a daemon, a TSS/PKCS#11 header outside
# tpm/ and hsm/, or a hardware backend constructed outside the one factory
# (ops/src/backends.cc) fails the test and names the file and line.
#
#   layering.sh SOURCE_DIR     check the tree
#   layering.sh --self-test    check that the checker refuses planted violations
set -u

# ALLOWED[m] lists the include prefixes module m may use besides its own: the transitive closure
# of the arrows in ARCHITECTURE.md (a module may use what its dependencies may use).
declare -A ALLOWED=(
  [core]=""
  [firmware_iface]="core"
  [hsm]="core firmware_iface"
  [tpm]="core firmware_iface"
  [attestation]="core"
  [policy]="core attestation"
  [custody]="core attestation"
  [attester]="core firmware_iface attestation service"
  [translog]="core firmware_iface attestation"
  [tsa]="core firmware_iface"
  [registry]="core attestation service"
  [service]="core"
  [signer]="core firmware_iface attestation policy translog tsa service"
  [verifierd]="core firmware_iface attestation policy attester registry service custody"
  [signerd]="core firmware_iface attestation policy translog tsa service signer custody"
  [audit]="core attestation policy"
  [ops]="core firmware_iface hsm tpm attestation policy custody attester translog tsa registry service signer verifierd audit"
)
# EXTRA[m] lists single headers of a higher module that m may include: a daemon's main() uses
# the one backend factory, and nothing else of ops/.
declare -A EXTRA=([signerd]="ops/backends.h")
# Folder names that differ from their include prefix.
declare -A FOLDER=([firmware_iface]=firmware-iface)

check_tree() {
  local root=$1 bad=0 m dir allowed hits line file inc target
  for m in "${!ALLOWED[@]}"; do
    dir="$root/${FOLDER[$m]:-$m}"
    [[ -d $dir ]] || continue
    allowed=" $m ${ALLOWED[$m]} "
    hits=$(grep -rnE --include='*.h' --include='*.cc' --include='*.in' \
             '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]signet/[a-z_]+/' \
             "$dir/include" "$dir/src" 2>/dev/null || true)
    while IFS= read -r line; do
      [[ -n $line ]] || continue
      file=${line%%:*}
      [[ $line =~ [\<\"]signet/([a-z_]+)/ ]] || continue
      inc=${BASH_REMATCH[1]}
      # A daemon binary's main (not its library) may call the one backend factory (rule 4).
      [[ $file == "$dir/src/main.cc" && $line == *'signet/ops/backends.h'* ]] && continue
      if [[ -n ${EXTRA[$m]:-} && $line =~ [\<\"]signet/([a-z_]+/[A-Za-z0-9_.]+)[\>\"] &&
            " ${EXTRA[$m]} " == *" ${BASH_REMATCH[1]} "* ]]; then
        continue
      elif [[ -z ${ALLOWED[$inc]+x} ]]; then
        echo "layering: ${file#$root/}: includes unknown module signet/$inc (add it to ARCHITECTURE.md and this list)"
        bad=1
      elif [[ $allowed != *" $inc "* ]]; then
        echo "layering: back arrow $m -> $inc: ${line#$root/}"
        bad=1
      fi
    done <<<"$hits"
    # Hardware headers only in their backends.
    if [[ $m != tpm && $m != hsm ]]; then
      hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](tss2/|pkcs11|p11-kit)' \
               "$dir/include" "$dir/src" 2>/dev/null || true)
      if [[ -n $hits ]]; then
        echo "layering: hardware header outside hsm/ and tpm/:"
        sed "s|^$root/|  |" <<<"$hits"
        bad=1
      fi
    fi
  done
  # The one factory: hsm::OpenKeyStore / tpm::OpenTpm are called only from ops/src/backends.cc.
  hits=$(grep -rnE '(hsm::OpenKeyStore(WithModule)?|tpm::OpenTpm)[[:space:]]*\(' \
           --include='*.h' --include='*.cc' --exclude-dir='build*' --exclude-dir=.git \
           --exclude-dir=tests --exclude-dir=bench --exclude-dir=hsm --exclude-dir=tpm "$root" 2>/dev/null |
         grep -v "^$root/ops/src/backends.cc:" || true)
  if [[ -n $hits ]]; then
    echo "layering: a hardware backend constructed outside ops/src/backends.cc:"
    sed "s|^$root/|  |" <<<"$hits"
    bad=1
  fi
  return $bad
}

self_test() {
  local t rc
  t=$(mktemp -d)
  trap 'rm -rf "$t"' RETURN
  mkdir -p "$t/core/src" "$t/policy/src" "$t/attestation/src" "$t/ops/src" "$t/signer/src" "$t/custody/src"
  echo '#include "signet/core/result.h"' >"$t/policy/src/ok.cc"
  echo '#include "signet/attestation/dsse.h"' >>"$t/policy/src/ok.cc"
  echo 'int main() { auto b = BuildBackends({}); }' >"$t/ops/src/main.cc"
  echo 'auto s = hsm::OpenKeyStore(uri, o);' >"$t/ops/src/backends.cc"
  mkdir -p "$t/signerd/src"
  echo '#include "signet/ops/backends.h"' >"$t/signerd/src/main.cc"
  check_tree "$t" >/dev/null || { echo "self-test: a clean tree was refused"; check_tree "$t"; return 1; }
  local -a plants=(
    'core/src/x.cc|#include "signet/policy/gate.h"'
    'attestation/src/x.cc|#include <signet/firmware_iface/tpm.h>'
    'policy/src/x.cc|#include "signet/ops/backends.h"'
    'signer/src/x.cc|  #  include "signet/verifierd/module.h"'
    'attestation/src/x.cc|#include <tss2/tss2_esys.h>'
    'signer/src/x.cc|auto store = hsm::OpenKeyStore(uri, options);'
    'ops/src/cmd_x.cc|auto tpm = tpm::OpenTpm(tcti);'
    'core/src/x.cc|#include "signet/nosuchmodule/x.h"'
    'signerd/src/x.cc|#include "signet/ops/commands.h"'
    'signerd/src/x.cc|#include "signet/hsm/key_store.h"'
    'signer/src/x.cc|#include "signet/ops/backends.h"'
    'custody/src/x.cc|#include "signet/firmware_iface/signing_key.h"'
  )
  local p file text
  for p in "${plants[@]}"; do
    file=${p%%|*}
    text=${p#*|}
    echo "$text" >"$t/$file"
    check_tree "$t" >/dev/null
    rc=$?
    rm -f "$t/$file"
    if [[ $rc == 0 ]]; then
      echo "self-test: not refused: $file: $text"
      return 1
    fi
  done
  echo "layering self-test OK (${#plants[@]} planted violations refused)"
}

if [[ ${1:-} == --self-test ]]; then
  self_test
  exit $?
fi
root=${1:?usage: layering.sh SOURCE_DIR | --self-test}
if check_tree "$root"; then
  echo "layering OK: no back arrows, no library reaches a binary, one backend factory"
else
  exit 1
fi
