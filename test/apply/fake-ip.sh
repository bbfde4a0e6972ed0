#!/bin/sh
# A fake `ip` for the apply tests: `ip -j link show` prints $FAKE_IP_LINKS (a file) or a fixed
# node: lo, eth0 (altname uplink0) in vmbr0. Anything else fails.
[ "$*" = "-j link show" ] || { echo "fake-ip: unexpected: $*" >&2; exit 1; }
if [ -n "${FAKE_IP_LINKS:-}" ]; then exec cat "$FAKE_IP_LINKS"; fi
echo '[{"ifindex":1,"ifname":"lo"},{"ifindex":2,"ifname":"eth0","master":"vmbr0","altnames":["uplink0"]},{"ifindex":3,"ifname":"vmbr0"}]'
