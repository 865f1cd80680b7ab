#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Check that every CONFIG_X=value line of a config fragment survived in a
# kernel .config (olddefconfig silently drops options whose dependencies are
# missing).  Names each dropped option and what it became; exit 1 if any.
# usage: check-config.sh FRAGMENT DOTCONFIG
set -euo pipefail
frag=$1 dotconfig=$2
dropped=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qxF "$line" "$dotconfig"; then
		now=$(grep -E "^(# )?${line%%=*}[= ]" "$dotconfig" || echo "absent")
		echo "check-config: error: $line was dropped by olddefconfig (missing dependency?); .config has: $now" >&2
		dropped=1
	fi
done < "$frag"
exit "$dropped"
