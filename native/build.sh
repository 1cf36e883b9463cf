#!/bin/sh
# build.sh — compile the addon with node-gyp, offline. Run by the root package's `install` script
# (npm ci / npm install) and usable by hand: `sh native/build.sh`.
#
# Offline means: node-gyp must find the Node headers locally instead of downloading them. Debian's
# nodejs puts them in /usr/include/node, so --nodedir is the prefix holding include/node/node_api.h
# (the running node's own prefix first, then /usr). node-gyp itself is the one bundled with npm
# (npm exports its path as npm_config_node_gyp to scripts), else found next to the npm on PATH.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
NODE=${npm_node_execpath:-$(command -v node)}
GYP=${npm_config_node_gyp:-}
if [ -z "$GYP" ] || [ ! -f "$GYP" ]; then
  NPM=$(command -v npm || true)
  [ -n "$NPM" ] && GYP=$(dirname "$(readlink -f "$NPM")")/../node_modules/node-gyp/bin/node-gyp.js
fi
[ -f "${GYP:-}" ] || { echo "native/build.sh: node-gyp not found (install npm)" >&2; exit 1; }
NODEDIR=
for prefix in "$(dirname "$(dirname "$(readlink -f "$NODE")")")" /usr /usr/local; do
  if [ -f "$prefix/include/node/node_api.h" ]; then NODEDIR=$prefix; break; fi
done
[ -n "$NODEDIR" ] || { echo "native/build.sh: no Node headers (include/node/node_api.h) found; install libnode-dev or nodejs headers" >&2; exit 1; }
cd "$HERE"
exec "$NODE" "$GYP" rebuild --nodedir="$NODEDIR" --loglevel=warn
