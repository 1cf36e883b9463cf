#!/usr/bin/env bash
# System packages the tests need, from Debian: a real ZooKeeper server, tshark
# (parser oracle), and the pieces of the datapath test VM (qemu, a stock kernel
# with openvswitch.ko, busybox for the initramfs, ovs-dpctl as the independent
# check). Idempotent and quiet when everything is present.
set -euo pipefail
pkgs=(zookeeper tshark qemu-system-x86 linux-image-amd64 openvswitch-switch iproute2 tcpdump
      iputils-ping busybox-static kmod cpio xz-utils binutils g++ make python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
# Never start Open vSwitch's daemons on the host: we only want ovs-dpctl for the VM.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
