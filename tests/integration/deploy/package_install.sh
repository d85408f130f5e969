#!/usr/bin/env bash
# The Debian package, end to end on this machine (root): scripts/package from the release the
# `release` fixture built, lintian clean of errors (inside scripts/package), install with apt-get (dpkg underneath),
# then `signet --version`, `systemd-analyze verify` of the installed units, and verifierd /
# signerd --check-config on the shipped example configs as the `signet` user (with the TLS
# material, builder key and PIN credential they name, made here), a broken config refused with
# exit 2; then purge, and nothing of the package is left (files, state, user, group).
# Usage: package_install.sh SOURCE_DIR RELEASE_DIR
set -euo pipefail
SRC=$1 RELEASE=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "installs a package: run as root"
if dpkg-query -W -f='${Status}' signet 2> /dev/null | grep -q "installed"; then
  fail "a signet package is already installed here; this test will not replace it (dpkg --purge signet)"
fi
getent passwd signet > /dev/null && fail "a signet user already exists; this test would not prove the package creates it"
W=$(mktemp -d)
installed=0
cleanup() {
  if ((installed)); then
    rm -rf /etc/signet/tls /etc/signet/trust /etc/signet/credentials/signerd-pin
    apt_get purge signet > /dev/null 2>&1 || true
  fi
  rm -rf "$W"
}
trap cleanup EXIT
source "$SRC/scripts/lib/daemon.sh"
# apt-get, not bare dpkg: it waits for the dpkg lock (other engineers' and CI's installs on this
# machine) instead of failing, and installs nothing else when the Depends are already there.
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"; }

"$SRC/scripts/package" --out "$W/deb" --release "$RELEASE" > "$W/package.log" 2>&1 ||
  { cat "$W/package.log" >&2; fail "scripts/package (lintian errors fail it)"; }
deb=$(ls "$W"/deb/signet_*.deb)
dpkg-deb -f "$deb" Depends | grep -q 'libssl3' || fail "Depends does not come from the linked libraries: $(dpkg-deb -f "$deb" Depends)"

installed=1
apt_get install --no-install-recommends "$deb" > "$W/dpkg.log" 2>&1 || { cat "$W/dpkg.log" >&2; fail "apt-get install $deb"; }

# --- what the package installed ---
signet --version | grep -q "^signet " || fail "signet --version: $(signet --version 2>&1)"
signerd --version > /dev/null || fail "signerd --version"
getent passwd signet > /dev/null || fail "no signet user"
[[ $(getent passwd signet | cut -d: -f7) == */nologin || $(getent passwd signet | cut -d: -f7) == /bin/false ]] ||
  fail "the signet user has a login shell"
[[ $(stat -c '%a %U %G' /etc/signet) == "750 root signet" ]] || fail "/etc/signet is $(stat -c '%a %U %G' /etc/signet)"
[[ $(stat -c '%a %U' /etc/signet/signerd.yaml) == "640 root" ]] || fail "signerd.yaml is $(stat -c '%a %U' /etc/signet/signerd.yaml)"
[[ $(stat -c '%U' /var/lib/signet) == signet ]] || fail "/var/lib/signet is not the signet user's"
for u in signerd verifierd; do
  [[ -f /lib/systemd/system/$u.service ]] || fail "no $u.service"
done
# The units check out offline now that the binaries they name exist.
(cd "$W" && systemd-analyze verify /lib/systemd/system/signerd.service /lib/systemd/system/verifierd.service) > "$W/verify.log" 2>&1 ||
  { cat "$W/verify.log" >&2; fail "systemd-analyze verify"; }
# The installed binaries are the released ones (reference.json's hashes are what runs).
(cd /usr && sed -n 's| bin/| /usr/bin/|p' "$RELEASE/SHA256SUMS" | sha256sum -c --quiet -) || fail "installed binaries differ from the release"

# --- the shipped examples check out, as the signet user, with the files they name ---
mkdir -p /etc/signet/tls /etc/signet/trust
(cd /etc/signet/tls && tls_ca clients-ca && tls_cert signerd clients-ca /CN=signerd "subjectAltName=DNS:signerd" &&
  tls_cert verifierd clients-ca /CN=verifierd "subjectAltName=DNS:verifierd" && rm -f ./*.csr ./*.ext ./*.srl clients-ca.key)
openssl ecparam -name prime256v1 -genkey -noout 2> /dev/null | openssl pkey -pubout -out /etc/signet/trust/builder.pem
chown -R root:signet /etc/signet/tls /etc/signet/trust
chmod 0750 /etc/signet/tls /etc/signet/trust
chmod 0640 /etc/signet/tls/* /etc/signet/trust/*
# As systemd's LoadCredential= does: a private copy of the PIN file, readable by the service user.
printf '1234' > /etc/signet/credentials/signerd-pin
chmod 0600 /etc/signet/credentials/signerd-pin
chmod 0711 "$W"   # the credential copy below must be reachable by the service user
creds=$W/credentials
install -d -m 0700 -o signet -g signet "$creds"
install -m 0400 -o signet -g signet /etc/signet/credentials/signerd-pin "$creds/signerd-pin"
as_signet() { setpriv --reuid=signet --regid=signet --init-groups "$@"; }
out=$(cd / && as_signet verifierd --check-config /etc/signet/verifierd.yaml 2>&1) || fail "verifierd --check-config: $out"
[[ $out == ok ]] || fail "verifierd --check-config said: $out"
out=$(cd / && as_signet env CREDENTIALS_DIRECTORY="$creds" signerd --check-config /etc/signet/signerd.yaml 2>&1) ||
  fail "signerd --check-config: $out"
[[ $out == ok ]] || fail "signerd --check-config said: $out"
echo "verifierd and signerd --check-config: ok on the shipped examples"

# Negative: without its credential signerd's config is refused; without its certificate verifierd's is.
set +e
out=$(cd / && as_signet signerd --check-config /etc/signet/signerd.yaml 2>&1); rc=$?
set -e
[[ $rc == 2 ]] && grep -q CREDENTIALS_DIRECTORY <<< "$out" || fail "signerd without a credential: exit $rc: $out"
mv /etc/signet/tls/verifierd.pem "$W/verifierd.pem"
set +e
out=$(cd / && as_signet verifierd --check-config /etc/signet/verifierd.yaml 2>&1); rc=$?
set -e
[[ $rc == 2 ]] || fail "verifierd without its certificate: exit $rc: $out"
# The service user cannot read the PIN file the credential is made from.
as_signet cat /etc/signet/credentials/signerd-pin > /dev/null 2>&1 && fail "the signet user reads the PIN file"

# --- purge: nothing is left ---
rm -rf /etc/signet/tls /etc/signet/trust /etc/signet/credentials/signerd-pin
apt_get purge signet > "$W/purge.log" 2>&1 || { cat "$W/purge.log" >&2; fail "apt-get purge signet"; }
installed=0
grep -E "^(Removing|Purging)" "$W/purge.log" || true
left=()
for p in /usr/bin/signet /usr/bin/signerd /usr/bin/verifierd /etc/signet /var/lib/signet /usr/share/signet \
  /usr/share/doc/signet /lib/systemd/system/signerd.service /lib/systemd/system/verifierd.service; do
  [[ -e $p ]] && left+=("$p")
done
((${#left[@]} == 0)) || fail "left after purge: ${left[*]}"
getent passwd signet > /dev/null && fail "the signet user is left after purge"
getent group signet > /dev/null && fail "the signet group is left after purge"
dpkg-query -W -f='${Status}' signet 2> /dev/null | grep -q "installed" && fail "dpkg still lists signet"
echo "installed, checked and purged; nothing left"
