# shellcheck shell=bash
# Helpers of the ecosystem checks (ci/test-prometheus, ci/test-systemd,
# ci/test-docs).  Source it after lib.sh; do not run it.

# ensure_packages PKG...: installs the Debian packages that are missing,
# from the machine's own (bookworm) suites.  Services that a package would
# start (prometheus, prometheus-node-exporter listen on every interface by
# default) are kept from starting with a temporary policy-rc.d when the
# machine has none: the checks start their own servers on 127.0.0.1.
ensure_packages() {
	local missing=() p sudo= policy=/usr/sbin/policy-rc.d made_policy=0
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing Debian packages: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# temporary, from landlock-audit ci/ecosystem.sh\nexit 101\n' |
			$sudo tee "$policy" >/dev/null
		$sudo chmod 755 "$policy"
		made_policy=1
	fi
	local rc=0
	{ $sudo apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null; } || rc=$?
	[ $made_policy = 0 ] || $sudo rm -f "$policy"
	[ $rc = 0 ] || die "apt-get install ${missing[*]} failed"
}

# free_port: a TCP port of 127.0.0.1 that nothing listens on now.
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 20000 + (RANDOM % 30000) ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free TCP port on 127.0.0.1"
}

# build_command: builds the landlock-audit command (debug) and prints its
# path.
build_command() {
	(cd "$ROOT" && nice -n 10 cargo build --quiet -p landlock-audit --bin landlock-audit) >&2
	echo "$ROOT/target/debug/landlock-audit"
}
