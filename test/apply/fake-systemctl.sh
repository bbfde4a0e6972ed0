#!/bin/sh
# A fake systemctl for the apply tests: records its arguments in $FAKE_SYSTEMCTL_LOG; fails when
# $FAKE_SYSTEMCTL_FAIL is set (as systemctl does without a bus).
echo "$*" >> "${FAKE_SYSTEMCTL_LOG:?}"
[ -z "${FAKE_SYSTEMCTL_FAIL:-}" ] || { echo "Failed to connect to bus: fake" >&2; exit 1; }
exit 0
