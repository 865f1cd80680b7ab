#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libiommu-ls and libiommu-validate on a made-up host tree (--root): two
# VT-d units (one with snoop control), a device held by a stand-in VM
# (box 2), a PCIe device with Enable No Snoop behind the unit without
# snoop control (box 3) sharing its group with a vfio-pci device.  Their
# JSON must validate against the shipped schemas and say what the tree
# holds; the tree must be unchanged afterwards (read-only); then both run
# on this machine's real /sys and /proc and must still validate.
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
ls=$top_builddir/tools/libiommu-ls
val=$top_builddir/tools/libiommu-validate
check=$top_srcdir/tests/json-schema-check.py

command -v python3 > /dev/null 2>&1 || { echo "SKIP: python3 not found (the JSON checks use it)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libiommu-tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
fail() { echo "FAIL: $*"; exit 1; }

# --- the made-up host
mkdir -p "$r/sys/class/iommu/dmar0/intel-iommu" "$r/sys/class/iommu/dmar1/intel-iommu" \
	"$r/sys/class/vfio-dev" "$r/sys/bus/pci/drivers/vfio-pci" "$r/sys/bus/pci/drivers/e1000e" \
	"$r/dev/vfio/devices" "$r/proc/1234/fd" "$r/proc/sys/kernel"
echo "made-up-1.0" > "$r/proc/sys/kernel/osrelease"
echo "d2008c40660462" > "$r/sys/class/iommu/dmar0/intel-iommu/cap"
echo "f0050da" > "$r/sys/class/iommu/dmar0/intel-iommu/ecap" # SC (7), IR (3)
echo "d2008c40660462" > "$r/sys/class/iommu/dmar1/intel-iommu/cap"
echo "f00505a" > "$r/sys/class/iommu/dmar1/intel-iommu/ecap" # IR, no SC
: > "$r/dev/iommu"
: > "$r/dev/vfio/vfio"
: > "$r/dev/vfio/3"
: > "$r/dev/vfio/devices/vfio0"
printf ' 24:  0  IR-PCI-MSI 49152-edge  vfio\n' > "$r/proc/interrupts"
echo "qemu-standin" > "$r/proc/1234/comm"
ln -s /dev/vfio/devices/vfio0 "$r/proc/1234/fd/7"
ln -s /dev/null "$r/proc/1234/fd/0"

# config space: 256 bytes of zeros, optionally with a PCIe capability whose
# Device Control has Enable No Snoop (bit 11) set
config() { # file pcie(0|1)
	python3 - "$1" "$2" <<'PY'
import sys
c = bytearray(256)
if sys.argv[2] == "1":
    c[0x06] = 0x10          # capability list
    c[0x34] = 0x40
    c[0x40] = 0x10          # PCI Express
    c[0x48] = 0x10; c[0x49] = 0x08  # DevCtl: relaxed ordering + no snoop
open(sys.argv[1], "wb").write(c)
PY
}
device() { # group name vendor device driver iommu pcie
	d=$r/sys/kernel/iommu_groups/$1/devices/$2
	mkdir -p "$d"
	echo "0x$3" > "$d/vendor"; echo "0x$4" > "$d/device"; echo 0x020000 > "$d/class"
	ln -s ../../../../../bus/pci "$d/subsystem"
	[ "$5" = none ] || ln -s ../../../../../bus/pci/drivers/$5 "$d/driver"
	ln -s ../../../../../class/iommu/$6 "$d/iommu"
	config "$d/config" "$7"
}
for g in 3 4; do
	mkdir -p "$r/sys/kernel/iommu_groups/$g"
	echo DMA > "$r/sys/kernel/iommu_groups/$g/type"
	printf '0x00000000fee00000 0x00000000feefffff msi\n' > "$r/sys/kernel/iommu_groups/$g/reserved_regions"
done
device 3 0000:00:03.0 1234 11e8 vfio-pci dmar0 0
mkdir -p "$r/sys/kernel/iommu_groups/3/devices/0000:00:03.0/vfio-dev/vfio0"
device 4 0000:00:04.0 8086 10d3 e1000e dmar1 1
device 4 0000:00:04.1 8086 10d3 vfio-pci dmar1 0

before=$(find "$r" -exec ls -ld --time-style=+%s.%N {} + | sort | md5sum)

# --- libiommu-ls
"$ls" --help | grep -q -- '--json' || fail "libiommu-ls --help does not show --json"
set +e; "$ls" --bogus > /dev/null 2>&1; rc=$?; set -e
[ $rc = 2 ] || fail "libiommu-ls --bogus exited $rc, not 2"
"$ls" --root "$r" --json > "$tmp/ls.json" || fail "libiommu-ls --json exited $?"
python3 "$check" "$top_srcdir/tools/libiommu-ls.schema.json" "$tmp/ls.json" ||
	fail "libiommu-ls --json does not follow tools/libiommu-ls.schema.json"
python3 - "$tmp/ls.json" <<'PY' || fail "libiommu-ls --json does not describe the tree"
import json, sys
j = json.load(open(sys.argv[1]))
d = {x["name"]: x for x in j["devices"]}
def want(what, got, exp):
    if got != exp:
        sys.exit("%s: %r, expected %r" % (what, got, exp))
want("iommufd", j["iommufd"], True)
want("interrupt remapping", j["interrupt_remapping"], True)
want("dmar0 snoop control", j["iommus"][0]["snoop_control"], True)
want("dmar1 snoop control", j["iommus"][1]["snoop_control"], False)
want("dmar0 ecap", j["iommus"][0]["ecap"], "0x000000000f0050da")
want("group 3 msi window", j["groups"][0]["msi_window"],
     {"start": "0x00000000fee00000", "end": "0x00000000feefffff"})
e = d["0000:00:03.0"]
want("edu holders", e["holders"], [{"pid": 1234, "comm": "qemu-standin", "node": "/dev/vfio/devices/vfio0"}])
want("edu cdev", e["vfio_cdev"], "/dev/vfio/devices/vfio0")
want("edu group node", e["vfio_group"], "/dev/vfio/3")
want("edu driver", e["driver"], "vfio-pci")
want("edu coherency", (e["coherency"]["row"], e["coherency"]["column"], e["coherency"]["box"]), ("blocks", "never", 2))
n = d["0000:00:04.0"]
want("nic coherency", (n["coherency"]["nosnoop_enabled"], n["coherency"]["row"], n["coherency"]["column"], n["coherency"]["box"]),
     (True, "lets-through", "may", 3))
want("nic holders", n["holders"], [])
PY
"$ls" --root "$r" | grep -q 'held by pid 1234 (qemu-standin): /dev/vfio/devices/vfio0' ||
	fail "the text output does not name the holder"

# --- libiommu-validate
"$val" --help | grep -q -- '--guest-size' || fail "libiommu-validate --help does not show --guest-size"
set +e
"$val" --root "$r" --device 00:03.0 --guest-size 1K > "$tmp/v1.txt"; rc1=$?
"$val" --root "$r" --device 0000:00:04.1 --json > "$tmp/v2.json"; rc2=$?
"$val" --guest-size 12Q > /dev/null 2>&1; rc3=$?
set -e
cat "$tmp/v1.txt"
[ $rc1 = 0 ] || fail "libiommu-validate on a good device exited $rc1, not 0"
[ $rc2 = 1 ] || fail "libiommu-validate on a device of a non-viable group exited $rc2, not 1"
[ $rc3 = 2 ] || fail "libiommu-validate with a bad size exited $rc3, not 2"
grep -q '^IOMMU group viable *: PASS' "$tmp/v1.txt" || fail "group 3 is not called viable"
grep -q '^device in use *: WARN (held by pid 1234' "$tmp/v1.txt" || fail "the holder is not named"
grep -q '^snoop control dmar1 *: WARN' "$tmp/v1.txt" || fail "dmar1 without snoop control is not a WARN"
grep -q '^snoop control dmar0 *: PASS' "$tmp/v1.txt" || fail "dmar0 with snoop control is not a PASS"
grep -q '^coherency matrix *: WARN (1 device(s) in box 3' "$tmp/v1.txt" || fail "the box 3 device is not reported"
python3 "$check" "$top_srcdir/tools/libiommu-validate.schema.json" "$tmp/v2.json" ||
	fail "libiommu-validate --json does not follow its schema"
python3 - "$tmp/v2.json" <<'PY' || fail "libiommu-validate --json misses the non-viable group"
import json, sys
j = json.load(open(sys.argv[1]))
c = {x["check"]: x for x in j["checks"]}
assert j["result"] == "FAIL", j["result"]
assert c["IOMMU group viable"]["result"] == "FAIL", c["IOMMU group viable"]
assert "0000:00:04.0 (e1000e)" in c["IOMMU group viable"]["message"], c["IOMMU group viable"]
PY

after=$(find "$r" -exec ls -ld --time-style=+%s.%N {} + | sort | md5sum)
[ "$before" = "$after" ] || fail "the tools changed the tree they read"

# --- this machine
"$ls" --json > "$tmp/host.json" || fail "libiommu-ls --json on this host exited $?"
python3 "$check" "$top_srcdir/tools/libiommu-ls.schema.json" "$tmp/host.json" ||
	fail "libiommu-ls --json on this host does not follow the schema"
set +e; "$val" --json > "$tmp/hostv.json"; rc=$?; set -e
[ $rc -le 1 ] || fail "libiommu-validate on this host exited $rc"
python3 "$check" "$top_srcdir/tools/libiommu-validate.schema.json" "$tmp/hostv.json" ||
	fail "libiommu-validate --json on this host does not follow the schema"
echo "libiommu-ls and libiommu-validate: made-up tree and this host as expected"
