#!/bin/sh
# A fake nft for the apply tests: keeps "the kernel" as one file per table under
# $FAKE_NFT_DIR/ns-<netns inode>/ (a scratch `unshare --net` namespace gets its own), appends
# each call's arguments to $FAKE_NFT_DIR/calls, and fails on demand: the file
# $FAKE_NFT_DIR/fail-check makes `-c -f -` fail, fail-load makes `-f -` fail (after reading stdin).
# Incremental updates (`flush chain`, `add rule`, …) fail the check: see below.
set -eu
d=${FAKE_NFT_DIR:?}
ns=$(readlink /proc/self/ns/net | tr -cd 0-9)
k=$d/ns-$ns
mkdir -p "$k"
input=$(cat)
echo "$*" >> "$d/calls"
case "$*" in
  "list tables")
    for f in "$k"/*; do [ -e "$f" ] && echo "table $(basename "$f" | tr _ ' ')"; done; exit 0;;
  "list table "*)
    f=$k/$3_$4
    [ -e "$f" ] || { echo "Error: No such file or directory" >&2; exit 1; }
    cat "$f"; exit 0;;
  "list ruleset")
    for f in "$k"/*; do [ -e "$f" ] && cat "$f"; done; exit 0;;
  "-c -f -")
    [ -e "$d/fail-check" ] && { echo "/dev/stdin:1:1-3: Error: syntax error, fake check failure" >&2; exit 1; }
    # It keeps whole tables only: an incremental update is refused, so apply loads the full script
    # (the real kernel's increments are tested in netns-apply and the kernel lab).
    printf '%s\n' "$input" | grep -Eq '^(flush|add (chain|rule|set|map|element)|delete (chain|set|map|element)) ' &&
      { echo "Error: fake nft keeps whole tables only" >&2; exit 1; }
    exit 0;;
  "-f -")
    [ -e "$d/fail-load" ] && { echo "Error: Could not process rule: fake load failure" >&2; exit 1; }
    [ -n "${FAKE_NFT_SLOW:-}" ] && sleep "$FAKE_NFT_SLOW"
    printf '%s\n' "$input" | awk -v k="$k" '
      /^delete table / { system("rm -f \"" k "/" $3 "_" $4 "\"") }
      /^table [a-z]+ [a-z0-9_]+ \{/ { cur = k "/" $2 "_" $3; printf "" > cur }
      cur != "" { print > cur; if ($0 == "}") { close(cur); cur = "" } }'
    exit 0;;
esac
echo "fake nft: unexpected arguments: $*" >&2
exit 2
