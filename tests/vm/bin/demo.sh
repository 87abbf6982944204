#!/bin/sh
# The demo run inside the VM by ci/demo: start a few sandboxed "daemons"
# (nested, one with threads in two domains, one unsandboxed) and show them in
# /sys/kernel/security/landlock, then with landlock-audit.
T=/sys/kernel/security/landlock
echo "--- kernel: $(uname -r)"
echo "--- LSMs: $(cat /sys/kernel/security/lsm)"
if [ ! -d $T ]; then
	echo "--- $T is missing"
	exit 1
fi
# sandbox N CMD...: run CMD in N nested domains.
sandbox() { /bin/vm-runner sandbox "$@"; }
sandbox 1 sleep 600 &
sandbox 2 sleep 600 &
sandbox 3 sleep 600 &
/bin/vm-runner mixed &   # threads in two domains (one unconfined)
sleep 600 &              # unsandboxed
# A "web" daemon for verify: its own executable (busybox runs the applet of
# its first argument when its name starts with "busybox").
cp /bin/busybox /tmp/busybox-web
sandbox 2 /tmp/busybox-web sleep 600 &
# A daemon with rules: reading beneath "/tmp/www data", connecting to 443.
mkdir -p "/tmp/www data"
/bin/vm-runner ruled "/tmp/www data" 600 &
ruled=$!
sleep 1
echo "--- ls -l $T"
ls -l $T
for f in version abi_version tasks; do
	echo "--- cat $T/$f"
	cat $T/$f
done
echo "--- ls $T/domains"
ls $T/domains
for d in $T/domains/*; do
	echo "--- $d"
	for f in parent depth access tasks creator audit_id; do
		printf '%s: ' $f; cat $d/$f | tr '\n' '|'; echo
	done
done
echo "--- landlock-audit status"
landlock-audit status || exit 1
echo "--- landlock-audit tree"
landlock-audit tree || exit 1
echo "--- landlock-audit ps"
landlock-audit ps || exit 1
echo "--- landlock-audit list"
landlock-audit list || exit 1
echo "--- landlock-audit metrics"
landlock-audit metrics
echo "--- landlock-audit domain --pid $ruled --rules"
landlock-audit domain --pid $ruled --rules || exit 1
# verify: the web daemon's expectation holds; "every sleep is sandboxed" is
# violated by the unsandboxed one.  Exit status 1 is the expected answer.
cat >/tmp/expectations.toml <<'EOF_EXPECT'
[[expect]]
name = "web runs in two layers"
exe = "/tmp/busybox-*"
sandboxed = true
min_depth = 2
handles_fs = ["make_dir", "write_file"]
min_processes = 1

[[expect]]
name = "every sleep is sandboxed"
comm = "sleep"
sandboxed = true
EOF_EXPECT
echo "--- cat /tmp/expectations.toml"
cat /tmp/expectations.toml
echo "--- landlock-audit verify --expect /tmp/expectations.toml"
landlock-audit verify --expect /tmp/expectations.toml
rc=$?
echo "--- verify exit $rc"
[ $rc = 1 ] || exit 1
