#!/usr/bin/env bash
# Assembles the container image's whole file system from a release binary: the binary, the
# shared libraries `ldd` says it loads (glibc's, when OpenSSL is linked statically), the CA
# bundle, a passwd and group naming user 10001, /data (owned by 10001) and /tmp.
#
#   scripts/image-rootfs.sh BINARY OUT     # OUT must not exist yet
#
# The Dockerfile's builder stage runs it and the runtime stage (FROM scratch) copies OUT.
set -euo pipefail

binary="${1:?usage: scripts/image-rootfs.sh BINARY OUT}"
out="${2:?usage: scripts/image-rootfs.sh BINARY OUT}"
[ ! -e "$out" ] || { echo "$out already exists" >&2; exit 1; }

mkdir -p "$out/usr/local/bin" "$out/etc/ssl/certs" "$out/data/simulator-ca" "$out/tmp"
cp "$binary" "$out/usr/local/bin/arca-api"
# Every library the binary loads, at the path the loader looks for it, links resolved.
ldd "$binary" | grep -o '/[^ ]*' | while read -r library; do
  mkdir -p "$out$(dirname "$library")"
  cp -L "$library" "$out$library"
done
cp /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\narca:x:10001:10001:arca-api:/data:/usr/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\narca:x:10001:\n' > "$out/etc/group"
# Name resolution with glibc's built-in files and dns back-ends (a runtime mounts resolv.conf).
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$out/etc/hosts"
chmod 1777 "$out/tmp"
chown -R 10001:10001 "$out/data"
echo "image file system in $out: $(du -sh "$out" | cut -f1)"
ldd "$binary" | sed 's/^/  /'
