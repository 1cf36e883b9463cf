#!/bin/bash
# run-in-vm.sh — run one shell script inside a throw-away qemu/TCG guest whose root is the host's
# "/" (read-only + RAM overlay) and whose kernel is Debian's, so openvswitch.ko is the real one.
#
# usage: run-in-vm.sh [-j JOBDIR] [-c CPUS] [-m MEM] [-t SECS] [-k] [-q] -- SCRIPT...
#   SCRIPT...  joined with spaces and run by /bin/sh in the guest, from the caller's cwd
#   -j JOBDIR  job directory (default: a fresh one under the cache dir); must match [A-Za-z0-9._/+-]*
#   -c/-m      guest CPUs (default 2) and memory (default 2G);  -t  timeout in seconds (default 600)
#   -k         keep the job directory;  -q  do not copy the console log to stderr on failure
# env: VM_CACHE (artifact dir, default <repo>/.cache/ovsvm), VM_APPEND (extra kernel args),
#      VM_NET (extra -netdev user options, default ipv6=off)
#
# Contract: stdout/stderr are the guest command's; the exit status is the guest command's, or
# 125 when the guest never reported one (boot failure, timeout, qemu error) — loud, never 0.
# One VM at a time per cache dir (flock): a TCG guest keeps one or two host cores busy.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${VM_CACHE:-$REPO/.cache/ovsvm}
JOB= CPUS=2 MEM=2G TMO=600 KEEP= QUIET=
while getopts "j:c:m:t:kq" o; do
  case $o in j) JOB=$OPTARG;; c) CPUS=$OPTARG;; m) MEM=$OPTARG;; t) TMO=$OPTARG;; k) KEEP=1;; q) QUIET=1;;
    *) echo "usage: $0 [-j JOBDIR] [-c CPUS] [-m MEM] [-t SECS] [-k] [-q] -- SCRIPT..." >&2; exit 2;; esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run-in-vm: no script given" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run-in-vm: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 125; }

KVER=$(ls /lib/modules | grep -- '-amd64$' | sort -V | tail -n1) || true
[ -n "$KVER" ] || { echo "run-in-vm: no Debian -amd64 kernel in /lib/modules (apt-get install linux-image-amd64)" >&2; exit 125; }
VML=$CACHE/vmlinux-$KVER INITRD=$CACHE/initramfs-$KVER.cpio.gz
mkdir -p "$CACHE"
exec 9>"$CACHE/vm.lock"
flock -w "$TMO" 9 || { echo "run-in-vm: could not take $CACHE/vm.lock within ${TMO}s" >&2; exit 125; }
# Rebuild when missing or older than the kernel image or the build script.
if [ ! -s "$VML" ] || [ ! -s "$INITRD" ] || [ "/boot/vmlinuz-$KVER" -nt "$VML" ] || [ "$HERE/vm-build.sh" -nt "$INITRD" ]; then
  "$HERE/vm-build.sh" "$KVER" "$CACHE" >&2 || { echo "run-in-vm: vm-build.sh failed" >&2; exit 125; }
fi

if [ -z "$JOB" ]; then mkdir -p "$CACHE/jobs"; JOB=$(mktemp -d "$CACHE/jobs/job.XXXXXX"); fi
mkdir -p "$JOB"; JOB=$(cd "$JOB" && pwd)
case $JOB in *[!A-Za-z0-9._/+-]*) echo "run-in-vm: job dir '$JOB' has characters qemu/cmdline cannot take" >&2; exit 2;; esac
cleanup() { [ -n "$KEEP" ] || rm -rf "$JOB"; }
trap cleanup EXIT
rm -f "$JOB/rc" "$JOB/stdout" "$JOB/stderr" "$JOB/timing" "$JOB/console.log"
{ echo "export VM_JOB=/job"; printf 'cd %q 2>/dev/null || cd /job\n' "$PWD"; printf '%s\n' "$*"; } > "$JOB/cmd"

set +e
timeout -k 5 "$TMO" qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp "$CPUS" -m "$MEM" \
  -nodefaults -no-user-config -display none -no-reboot \
  -serial "file:$JOB/console.log" -monitor none \
  -kernel "$VML" -initrd "$INITRD" \
  -append "console=ttyS0 quiet panic=-1 tsc=reliable mitigations=off cryptomgr.notests i8042.noaux i8042.nokbd i8042.nopnp 8250.nr_uarts=1 vm.jobpath=$JOB ${VM_APPEND:-}" \
  -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev "local,id=job,path=$JOB,security_model=none" \
  -device virtio-9p-pci,fsdev=job,mount_tag=job \
  -netdev "user,id=n0,${VM_NET:-ipv6=off}" -device virtio-net-pci,netdev=n0 \
  >"$JOB/qemu.log" 2>&1
qrc=$?
set -e
[ -f "$JOB/stdout" ] && cat "$JOB/stdout"
[ -f "$JOB/stderr" ] && cat "$JOB/stderr" >&2
if [ -s "$JOB/rc" ]; then exit "$(cat "$JOB/rc")"; fi
echo "run-in-vm: FAILED: the guest reported no exit status (qemu rc=$qrc; 124 = timeout after ${TMO}s)" >&2
if [ -z "$QUIET" ]; then
  echo "--- qemu.log" >&2; cat "$JOB/qemu.log" >&2 || true
  echo "--- console.log (tail)" >&2; tail -n 40 "$JOB/console.log" >&2 || true
fi
exit 125
