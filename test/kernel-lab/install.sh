#!/bin/bash
# Installs what the kernel lab (test/kernel-lab/kernel-lab) and the netns tests
# (test/netns/) need, and pre-fetches the Debian kernel into the lab cache, so that a CI run
# fails early and clearly when something is missing. Idempotent; run as root on Debian 12.
#   test/kernel-lab/install.sh            # packages + kernel + initrd
#   FWGEN_LAB_CACHE=DIR ...               # other cache location (default ~/.cache/fwgen-kernel-lab)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pkgs=(nftables iproute2 qemu-system-x86 busybox-static kmod cpio python3 tcpdump iperf3 socat
      util-linux procps gzip coreutils openvswitch-switch
      # test/kernel-lab/facts/parity-facts.sh: conntrack -L/-D, the NFQUEUE reader built in the lab
      conntrack gcc libc6-dev libnetfilter-queue-dev perl
      # test/apply/handover.sh: pve-firewall's iptables/ipset state
      iptables ipset)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: missing packages ${missing[*]} and not root" >&2; exit 1; }
  echo "install.sh: installing ${missing[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
# kernel package for the lab: apt must know linux-image-amd64 (needs the package lists)
if ! apt-cache depends linux-image-amd64 2>/dev/null | grep -q 'Depends: linux-image-[0-9]'; then
  apt-get update
fi
"$here/kernel-lab" --prepare
# Debian 12's nodejs 18, unpacked into the cache, for the packaged bundle's node-18 test
"$here/node18.sh"
