#!/usr/bin/env bash
# Builds the busybox test image (no registry is needed) with `docker import`.
# The image serves HTTP with `busybox httpd` and sleeps; reused when present.
set -euo pipefail

IMAGE="${BERTH_TEST_IMAGE:-berth-busybox:test}"
SOCK="${BERTH_DOCKER_SOCKET:-/var/run/docker.sock}"
D="docker -H unix://$SOCK"

WEB_IMAGE="${BERTH_WEB_TEST_IMAGE:-berth-web:test}"
# Bumped whenever the images' contents change: an older image on the machine is rebuilt.
VERSION=2

version_of() { $D image inspect -f '{{index .Config.Labels "berth.test-image"}}' "$1" 2>/dev/null || true; }

install_package() {
  if ! dpkg -s "$1" >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ]; then
      echo "ensure-test-image: $1 is not installed and we are not root; apt-get install $1" >&2
      exit 1
    fi
    echo "ensure-test-image: installing $1 with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq "$1" >/dev/null
  fi
}

# The web image: the busybox image plus websocketd (WebSocket echo, CGI with every request header)
# and busybox httpd CGI scripts (echo, server-sent events), for the proxy tests.
build_web_image() {
  if [ "$(version_of "$WEB_IMAGE")" = "$VERSION" ]; then
    echo "ensure-test-image: $WEB_IMAGE present"
    return
  fi
  $D image rm -f "$WEB_IMAGE" >/dev/null 2>&1 || true
  install_package websocketd
  local root
  root="$(mktemp -d)"
  mkdir -p "$root"/{bin,lib64,lib/x86_64-linux-gnu,www/cgi-bin,ws/cgi-bin}
  cp /usr/bin/websocketd "$root/bin/websocketd"
  # websocketd links libc dynamically: the image carries the loader and libc it was built against.
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  cp -L /lib/x86_64-linux-gnu/libc.so.6 "$root/lib/x86_64-linux-gnu/"
  cat > "$root/ws/cgi-bin/echo" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\nX-Upstream: berth-web\r\n\r\n'
echo "method=$REQUEST_METHOD"
echo "uri=$REQUEST_URI"
env | grep '^HTTP_' | busybox sort
echo "body:"
cat
CGI
  cat > "$root/www/cgi-bin/events" <<'CGI'
#!/bin/sh
# One event, then the next only once /tmp/go exists: a test proves streaming without timing anything.
printf 'Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n'
printf 'data: first\n\n'
i=0
while [ ! -f /tmp/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
printf 'data: second\n\n'
CGI
  cat > "$root/www/cgi-bin/go" <<'CGI'
#!/bin/sh
touch /tmp/go
printf 'Content-Type: text/plain\r\n\r\ngo\n'
CGI
  chmod 755 "$root"/ws/cgi-bin/* "$root"/www/cgi-bin/*
  # Layered on the busybox image: its files (and /tmp) plus these.
  local container
  container=$($D create "$IMAGE" /bin/true)
  $D export "$container" | tar -C "$root" -x
  $D rm "$container" >/dev/null
  echo "berth web test image" > "$root/www/index.html"
  tar -C "$root" -c . | $D import -c 'CMD ["/bin/sh", "-c", "httpd -p 8080 -h /www && exec websocketd --port 8081 --cgidir /ws/cgi-bin /bin/cat"]' -c 'ENV PATH=/bin' -c 'USER 1000' -c "LABEL berth.test-image=$VERSION" - "$WEB_IMAGE" >/dev/null
  rm -rf "$root"
  echo "ensure-test-image: built $WEB_IMAGE"
}

if [ "$(version_of "$IMAGE")" = "$VERSION" ]; then
  echo "ensure-test-image: $IMAGE present"
  build_web_image
  exit 0
fi
$D image rm -f "$IMAGE" >/dev/null 2>&1 || true

# The image needs a statically linked busybox; Debian's busybox-static provides /bin/busybox.
install_package busybox-static

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,etc,tmp,www,data,home/app}
cp /bin/busybox "$ROOT/bin/busybox"
for applet in sh ash httpd sleep cat ls echo id mkdir rm touch wc head tail grep sed env ps kill true false wget nc stat chmod date printf test find; do
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
tar -C "$ROOT" -c . | $D import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' -c "LABEL berth.test-image=$VERSION" - "$IMAGE" >/dev/null
echo "ensure-test-image: built $IMAGE"
build_web_image
