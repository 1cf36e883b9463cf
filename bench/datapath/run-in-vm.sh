#!/bin/sh
# `npm run bench:datapath`: run bench/datapath/dpif.ts (compiled) inside the test VM.
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
[ -f dist/bench/datapath/dpif.js ] || { echo "bench:datapath: dist/bench/datapath/dpif.js missing (npm run build)" >&2; exit 1; }
exec "$REPO/test/support/vm/run-in-vm.sh" -t "${VM_TIMEOUT:-900}" -- "modprobe -a openvswitch veth && node dist/bench/datapath/dpif.js"
