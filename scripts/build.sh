#!/usr/bin/env bash
# build.sh BUILD_DIR [PRESET] [verbose]: configure (when PRESET is given) and
# build, for the Makefile. Everything goes to stderr, so `make consume > file`
# and pipes get only the command's output, and nothing at all is printed when
# there is no work. Without "verbose" ninja runs --quiet (errors and warnings
# still show).
set -uo pipefail
dir=$1 preset=${2:-} mode=${3:-quiet}
if [[ -n $preset ]]; then
  cmake --preset "$preset" -DEVPIPE_WERROR="${EVPIPE_WERROR:-OFF}" >/dev/null || exit $?
fi
args=()
[[ $mode == verbose ]] || args=(-- --quiet)
cmake --build "$dir" "${args[@]}" 2>&1 |
  grep --line-buffered -v -e '^ninja: no work to do\.$' -e '^\[0/[0-9]*\] Re-checking globbed directories\.\.\.$' >&2
exit "${PIPESTATUS[0]}"
