#!/bin/sh
# run-datapath-tests.sh — `npm run test:datapath`: boot ONE guest and run every compiled datapath
# test (dist/test/datapath/**/*.test.js) in it with node --test, one file at a time (they share the
# guest's datapaths and network namespaces). Boots cost ~5 s under TCG, so the suite shares one.
# Fails loudly when there is nothing to run, when the addon is not built, or when the guest cannot
# boot (run-in-vm.sh exits 125). Extra arguments are passed to node --test (e.g. a name pattern:
# --test-name-pattern=vxlan). DP_TESTS=NAME-GLOB narrows the files (e.g. DP_TESTS=upcall-*).
set -eu
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$REPO"
FILES=$(find dist/test/datapath -name "${DP_TESTS:-*}.test.js" 2>/dev/null | sort | tr '\n' ' ')
[ -n "$FILES" ] || { echo "test:datapath: no dist/test/datapath/**/*.test.js (did the build run?)" >&2; exit 1; }
[ -f native/build/Release/mm_netlink.node ] || { echo "test:datapath: native addon not built (npm ci, or sh native/build.sh)" >&2; exit 1; }
EXTRA=
for a in "$@"; do EXTRA="$EXTRA '$a'"; done
exec "$REPO/test/support/vm/run-in-vm.sh" -t "${VM_TIMEOUT:-900}" -- "
set -e
modprobe -a openvswitch vxlan veth || { echo 'test:datapath: modprobe openvswitch vxlan veth failed' >&2; exit 90; }
export MM_IN_VM=1
node --test --test-reporter=spec --test-concurrency=1 $EXTRA $FILES
"
