# shellcheck shell=bash
# Common settings for the ci/ scripts. Source it; do not run it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${LANDLOCK_AUDIT_CACHE:-$HOME/.cache/landlock-audit}
KVER_PKG=linux-source-7.3
# Suites searched, in order, when the pinned package is absent.
KSUITES=(trixie-backports forky sid)
SHARED_KERNEL=${LANDLOCK_AUDIT_SHARED_KERNEL:-$ROOT/../shared/kernel}
SRC=$CACHE/src/linux            # pristine source, unpacked once
PSRC=$CACHE/src/linux-patched   # pristine + kernel-module/, updated file by file
VMDIR=$ROOT/target/vm
# Where ci/build-selftests puts the kselftests and ci/build-initramfs takes
# them from.
SELFTESTS_OUT=${LANDLOCK_AUDIT_SELFTESTS_OUT:-$CACHE/selftests}
export LLVM=-19
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
export PATH=$HOME/.cargo/bin:$PATH
JOBS=$(nproc)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# hash of everything that defines the kernel we build: our sources, patches
# and config fragments.  It goes into CONFIG_LOCALVERSION, so the VM can prove
# the kernel it runs is this one.
kernel_module_hash() {
	(cd "$ROOT" && find kernel-module -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum) | sha256sum | cut -c1-12
}

# The hash ci/check-series records and ci/test compares: the series' patches
# (not the cover letter), the configuration it builds and the KUnit suites it
# requires.
series_hash() {
	cat "$ROOT"/kernel-module/patches/000[1-9]-*.patch "$ROOT"/kernel-module/patches/00[1-9][0-9]-*.patch \
		"$ROOT"/kernel-module/config/base.config "$ROOT"/kernel-module/kunit-suites 2>/dev/null |
		sha256sum | cut -c1-16
}
