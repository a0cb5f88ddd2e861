#!/usr/bin/env bash
# Builds the busybox test image (no registry is needed) with `docker import`.
# The image serves HTTP with `busybox httpd` and sleeps; reused when present.
set -euo pipefail

IMAGE="${BERTH_TEST_IMAGE:-berth-busybox:test}"
SOCK="${BERTH_DOCKER_SOCKET:-/var/run/docker.sock}"
D="docker -H unix://$SOCK"

if $D image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "ensure-test-image: $IMAGE present"
  exit 0
fi

# The image needs a statically linked busybox; Debian's busybox-static provides /bin/busybox.
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "ensure-test-image: busybox-static is not installed and we are not root; apt-get install busybox-static" >&2
    exit 1
  fi
  echo "ensure-test-image: installing busybox-static with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq busybox-static >/dev/null
fi

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,etc,tmp,www,data,home/app}
cp /bin/busybox "$ROOT/bin/busybox"
for applet in sh ash httpd sleep cat ls echo id mkdir rm touch wc head tail grep sed env ps kill true false wget nc stat chmod date printf test; do
  ln -s busybox "$ROOT/bin/$applet"
done
cat > "$ROOT/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/sh
PW
cat > "$ROOT/etc/group" <<'GR'
root:x:0:
app:x:1000:
nogroup:x:65534:
GR
echo "berth test image" > "$ROOT/www/index.html"
chmod 1777 "$ROOT/tmp"
chown 1000:1000 "$ROOT/home/app" "$ROOT/data"
tar -C "$ROOT" -c . | $D import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
echo "ensure-test-image: built $IMAGE"
