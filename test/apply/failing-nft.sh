#!/bin/sh
# Real nft for everything but the load: `nft -f -` reads the whole script, then fails, as a
# kernel refusing the batch would. `nft -c` still runs for real, so the check passes first.
if [ "$*" = "-f -" ]; then cat >/dev/null; echo "Error: Could not process rule: injected failure" >&2; exit 1; fi
exec nft "$@"
