#!/bin/bash
# Fetches Debian 12's own nodejs (18.x) and the packages it needs at run time into the lab cache,
# unpacked, not installed, so the packaged bundle can be tested under the node Proxmox VE 8 ships:
#   test/kernel-lab/node18.sh            # prepare $cache/node18 (idempotent)
#   $cache/node18/node ARGS...           # run that node (what test/apply/packaging-node18 uses)
# Debian's libnode loads some builtins (cjs-module-lexer, acorn, undici) from fixed paths under
# /usr/share/nodejs, so the runner overlays the unpacked /usr/share on the real one inside a
# private mount namespace (unshare -m as root, unshare -rm otherwise); nothing system-wide changes.
set -euo pipefail
cache=${FWGEN_LAB_CACHE:-$HOME/.cache/fwgen-kernel-lab}
dir=$cache/node18
mkdir -p "$cache"
[ -f "$dir/.done" ] && exit 0
# The 18.x from Debian's archive, even where a newer nodejs (e.g. NodeSource) is the candidate.
ver=$(apt-cache madison nodejs 2>/dev/null | awk -F' *[|] *' '$2 ~ /^18\./ && $3 ~ /debian/ {print $2; exit}')
if [ -z "$ver" ]; then apt-get update >/dev/null
  ver=$(apt-cache madison nodejs 2>/dev/null | awk -F' *[|] *' '$2 ~ /^18\./ && $3 ~ /debian/ {print $2; exit}'); fi
[ -n "$ver" ] || { echo "node18.sh: apt knows no nodejs 18.x (Debian 12 sources needed)" >&2; exit 2; }
lib=$(apt-cache show "nodejs=$ver" | awk '/^Depends:/{if (match($0, /libnode[0-9]+/)) print substr($0, RSTART, RLENGTH); exit}')
dl=$(mktemp -d "$cache/n18dl.XXXXXX"); chmod 755 "$dl"
# libc-ares2 is the one shared library a stock Debian 12 base lacks; the node-* ones hold the
# externalized builtins.
(cd "$dl" && apt-get download "nodejs=$ver" "$lib=$ver" libc-ares2 node-cjs-module-lexer \
   node-acorn node-undici >"$dl/log" 2>&1) || { cat "$dl/log" >&2; rm -rf "$dl"; exit 2; }
rm -rf "$dir"; mkdir -p "$dir/root"
for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$dir/root"; done
rm -rf "$dl"
cat > "$dir/node" <<RUN
#!/bin/sh
[ "\$(id -u)" = 0 ] && u=-m || u=-rm
exec unshare \$u sh -c 'mount -t overlay overlay -o lowerdir=$dir/root/usr/share:/usr/share /usr/share && exec env LD_LIBRARY_PATH=$dir/root/usr/lib/x86_64-linux-gnu $dir/root/usr/bin/node "\$@"' node18 "\$@"
RUN
chmod 755 "$dir/node"
"$dir/node" --version | grep -q '^v18\.' || { echo "node18.sh: unpacked node does not run" >&2; exit 2; }
touch "$dir/.done"
