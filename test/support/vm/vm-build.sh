#!/bin/sh
# vm-build.sh — build the test VM's boot artifacts from the host's own Debian kernel.
#
# usage: vm-build.sh [KVER] [OUTDIR]
#   -> OUTDIR/vmlinux-KVER            uncompressed kernel ELF, booted by qemu through PVH
#      OUTDIR/initramfs-KVER.cpio.gz  busybox-static + the modules needed to mount a 9p root
#
# The guest never gets a disk: its root is the host's "/" exported read-only over virtio-9p,
# with a tmpfs overlay on top so it looks writable (writes vanish at power-off). The guest
# therefore modprobes openvswitch.ko from the host's /lib/modules and runs the host's node.
# Why vmlinux and not the bzImage: under TCG the in-guest xz decompression costs ~3.5 s.
# Needs: linux-image-amd64, busybox-static, kmod, cpio, xz-utils, binutils (readelf).
# See /work/shared/spec/vm.md (the verified recipe this follows) and test/support/vm/README.md.
set -eu
KVER=${1:-$(ls /lib/modules | grep -- '-amd64$' | sort -V | tail -n1)}
OUT=${2:-$(cd "$(dirname "$0")/../../.." && pwd)/.cache/ovsvm}
mkdir -p "$OUT"
[ -r "/boot/vmlinuz-$KVER" ] || { echo "vm-build: /boot/vmlinuz-$KVER missing (apt-get install linux-image-amd64)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "vm-build: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }

# 1. The xz payload of the bzImage starts at the xz magic (FD 37 7A 58 5A 00); xz complains
#    about the bytes after the stream, which is expected, so only the PVH note is checked.
IMG=/boot/vmlinuz-$KVER
VML=$OUT/vmlinux-$KVER
off=$(LC_ALL=C grep -abo "$(printf '\3757zXZ')" "$IMG" | head -n1 | cut -d: -f1)
[ -n "$off" ] || { echo "vm-build: no xz stream in $IMG" >&2; exit 1; }
tail -c +$((off + 1)) "$IMG" | xz -dc > "$VML.tmp" 2>/dev/null || true
readelf -n "$VML.tmp" | grep -q 'type: (0x00000012)' || { echo "vm-build: $VML.tmp has no PVH entry note" >&2; exit 1; }
mv "$VML.tmp" "$VML"

# 2. The initramfs: only what it takes to reach the 9p root; everything else comes from the host.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/dev" "$T/proc" "$T/sys" "$T/lower" "$T/rw" "$T/newroot" "$T/mods"
cp /bin/busybox "$T/bin/"
for applet in sh mount mkdir insmod switch_root cat sleep echo poweroff cp ln ip hostname; do
  ln -s busybox "$T/bin/$applet"
done
# Debian 12 ships plain .ko files, so busybox insmod can load them in dependency order.
for m in virtio_pci 9pnet_virtio 9p overlay virtio_net; do
  modprobe -S "$KVER" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
  cp "$ko" "$T/mods/"
  basename "$ko"
done > "$T/mods/order"

cat > "$T/init" <<'INIT'
#!/bin/sh
# Stage 1, PID 1 in the initramfs: load virtio/9p/overlay, mount the host root read-only under a
# tmpfs overlay, mount the job directory, then switch_root into stage 2 on the overlaid root.
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
fail() { echo "vm-init: FATAL: $*"; poweroff -f; }
R=/newroot MSIZE=262144 JOBPATH= DEBUG=
for o in $(cat /proc/cmdline); do
  case $o in vm.msize=*) MSIZE=${o#*=};; vm.jobpath=*) JOBPATH=${o#*=};; vm.debug) DEBUG=1;; esac
done
mark() { [ -z "$DEBUG" ] || { read t _ </proc/uptime; echo "vm-init: $t $*"; }; } 2>/dev/null
mark start
for ko in $(cat /mods/order); do insmod "/mods/$ko" || echo "vm-init: insmod $ko failed"; done
mark modules
hostname ovsvm; ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then        # slirp: the host's 127.0.0.1 is 10.0.2.2
  ip addr add 10.0.2.15/24 dev eth0; ip link set eth0 up; ip route add default via 10.0.2.2
fi
i=0
until mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=$MSIZE,cache=loose hostroot /lower; do
  i=$((i + 1)); [ $i -gt 50 ] && fail "cannot mount 9p hostroot"; sleep 0.1
done
mount -t tmpfs -o mode=755 tmpfs /rw; mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay $R || fail overlay
# The carrier comes up asynchronously; wait while /sys is still mounted here (not after the move).
i=0
while [ -e /sys/class/net/eth0 ] && [ "$(cat /sys/class/net/eth0/operstate)" != up ] && [ $i -lt 40 ]; do
  sleep 0.05; i=$((i + 1))
done
mark "root mounted, carrier waited $i x 50ms"
for d in proc sys dev; do mount --move /$d $R/$d; done
mount -t tmpfs -o mode=755 tmpfs $R/run                  # writable /run: ip netns needs it
mkdir -p $R/dev/pts $R/dev/shm $R/job $R/run/vm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
ln -s /proc/self/fd $R/dev/fd; ln -s fd/0 $R/dev/stdin; ln -s fd/1 $R/dev/stdout; ln -s fd/2 $R/dev/stderr
mount -t 9p -o trans=virtio,version=9p2000.L,msize=$MSIZE job $R/job || fail "cannot mount 9p job"
# The job dir is also visible at its host path, so host paths written by tests mean the same inside.
[ -n "$JOBPATH" ] && [ -d "$R$JOBPATH" ] && mount --bind $R/job "$R$JOBPATH"
cp /bin/busybox /stage2 $R/run/vm/                      # power-off must not depend on 9p
mark mounts
exec switch_root $R /bin/sh /run/vm/stage2
INIT

cat > "$T/stage2" <<'STAGE2'
#!/bin/sh
# Stage 2, PID 1 on the overlaid host root: run /job/cmd, record its status, power off.
# PID 1 must never exit, and 9p goes away first at shutdown, hence the RAM copy of busybox.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
read T0 _ </proc/uptime
cd /job && /bin/sh /job/cmd </dev/null >/job/stdout 2>/job/stderr
rc=$?
read T1 _ </proc/uptime
echo $rc >/job/rc
echo "uptime_at_cmd_start=$T0 uptime_at_cmd_end=$T1" >/job/timing
echo "vm-stage2: cmd exited rc=$rc (uptime $T0 -> $T1)" >/dev/console
sync
exec /run/vm/busybox poweroff -f
STAGE2
chmod 755 "$T/init" "$T/stage2"
(cd "$T" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs-$KVER.cpio.gz.tmp"
mv "$OUT/initramfs-$KVER.cpio.gz.tmp" "$OUT/initramfs-$KVER.cpio.gz"
echo "vm-build: $VML $OUT/initramfs-$KVER.cpio.gz; modules: $(tr '\n' ' ' < "$T/mods/order")"
