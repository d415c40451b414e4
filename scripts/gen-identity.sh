#!/usr/bin/env bash
# Checks that two evpipe binaries' `gen` write byte-identical output for the
# same flags, at every thread count: the date layout (every file, simulator.json
# included) and `--out FILE`. Usage: scripts/gen-identity.sh BASE_BINARY NEW_BINARY
# Prints one line per case and exits 1 on the first difference.
set -euo pipefail
base=${1:?usage: gen-identity.sh BASE NEW}
new=${2:?usage: gen-identity.sh BASE NEW}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flag_sets=(
  ""
  "--poison-rate 0.01"
  "--duplicate-rate 0.1 --late-rate 0.2 --max-lateness 2d"
  "--seed 7 --tenants 50 --span-days 10"
  "-n 40000 --seed 3 --poison-rate 0.02 --duplicate-rate 0.05"
)
threads=(1 2 3 5)

# sha256 of every file under $1, by relative path, then of that listing.
tree_hash() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16); }

run() {  # binary flags threads tag -> "layout_hash file_hash"
  local bin=$1 flags=$2 t=$3 dir="$work/$4"
  rm -rf "$dir"
  # shellcheck disable=SC2086
  "$bin" gen $flags --threads "$t" --gen-dir "$dir/layout" >/dev/null
  # shellcheck disable=SC2086
  "$bin" gen $flags --threads "$t" --out "$dir/one.ndjson" >/dev/null
  echo "$(tree_hash "$dir/layout") $(sha256sum <"$dir/one.ndjson" | cut -c1-16)"
}

fail=0
for flags in "${flag_sets[@]}"; do
  want=$(run "$base" "$flags" 1 base)
  for t in "${threads[@]}"; do
    got_base=$(run "$base" "$flags" "$t" base)
    got=$(run "$new" "$flags" "$t" new)
    if [[ "$got" == "$want" && "$got_base" == "$want" ]]; then
      echo "same  threads=$t [$flags] $got"
    else
      echo "DIFF  threads=$t [$flags] base(1)=$want base($t)=$got_base new($t)=$got"
      fail=1
    fi
  done
done
exit $fail
