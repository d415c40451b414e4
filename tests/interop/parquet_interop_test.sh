#!/usr/bin/env bash
# Interop test of the Parquet writer: writes the corpus twice with the same
# seed (the files must be byte-identical), then has DuckDB, hyparquet and
# parquet-wasm read every file back (check_interop.mjs).
#   parquet_interop_test.sh PATH/TO/parquet_interop_writer
# EVPIPE_INTEROP_SEED fixes the seed (printed either way); EVPIPE_KEEP_TMP=1 keeps the files.
set -euo pipefail
writer=$1
src=${EVPIPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [[ ! -d "$src/tests/node/node_modules/hyparquet-compressors" || ! -d "$src/tests/node/node_modules/apache-arrow" ]]; then
  echo "parquet_interop: tests/node/node_modules is incomplete: run scripts/deps.sh" >&2
  exit 1
fi
tmp=$(mktemp -d)
if [[ -z "${EVPIPE_KEEP_TMP:-}" ]]; then trap 'rm -rf "$tmp"' EXIT; else echo "keeping $tmp"; fi
seed=${EVPIPE_INTEROP_SEED:-$(( (RANDOM << 15) | RANDOM ))}
echo "parquet_interop: seed=$seed (EVPIPE_INTEROP_SEED=$seed to repeat)"
"$writer" "$tmp/a" --seed "$seed"
"$writer" "$tmp/b" --seed "$seed" >/dev/null
for f in "$tmp"/a/*.parquet; do
  cmp "$f" "$tmp/b/$(basename "$f")" || { echo "parquet_interop: $(basename "$f") differs between two identical runs" >&2; exit 1; }
done
echo "parquet_interop: two runs gave byte-identical files"
node "$src/tests/interop/check_interop.mjs" "$tmp/a"
