#!/usr/bin/env bash
# Creates the project's Python environment .venv (make venv / make reqs) from the
# pinned requirements.txt: the peer readers the tests use (pyiceberg, pyarrow,
# fastavro, duckdb, ...). Idempotent and quick when present: pip runs only when
# requirements.txt changed since the last install. EVPIPE_VENV overrides the path.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${EVPIPE_VENV:-.venv}
req=requirements.txt
stamp=$venv/.evpipe-requirements
want=$(sha256sum "$req" | cut -c1-64)
if [[ -x $venv/bin/python && -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
if [[ ! -x $venv/bin/python ]]; then
  echo "venv: creating $venv"
  python3 -m venv "$venv"
fi
echo "venv: installing $req into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" >"$stamp"
