#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Check that every option a config fragment sets survived in a kernel
# .config (olddefconfig silently drops options whose dependencies are
# missing).  With several fragments, merged in that order, an option's
# last line wins.  "CONFIG_X=value" must be in .config as is; "# CONFIG_X
# is not set" means .config must not set X.  Names each dropped option and
# what it became; exit 1 if any.
# usage: check-config.sh FRAGMENT... DOTCONFIG
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: check-config.sh FRAGMENT... DOTCONFIG" >&2; exit 2; }
dotconfig=${*: -1}
frags=("${@:1:$#-1}")
declare -A want=()
order=()
for frag in "${frags[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
		*) continue ;;
		esac
		[ -n "${want[$opt]+x}" ] || order+=("$opt")
		want[$opt]=$line
	done < "$frag"
done
dropped=0
for opt in "${order[@]}"; do
	line=${want[$opt]}
	case "$line" in
	CONFIG_*) grep -qxF "$line" "$dotconfig" && continue ;;
	*) grep -q "^$opt=" "$dotconfig" || continue ;;
	esac
	now=$(grep -E "^(# )?${opt}[= ]" "$dotconfig" || echo "absent")
	case "$line" in
	CONFIG_*) echo "check-config: error: $line was dropped by olddefconfig (missing dependency?); .config has: $now" >&2 ;;
	*) echo "check-config: error: $opt must not be set, but olddefconfig set it (selected by another option?); .config has: $now" >&2 ;;
	esac
	dropped=1
done
exit "$dropped"
