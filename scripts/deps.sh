#!/usr/bin/env bash
# Installs what evpipe needs: Debian packages (apt-get) and the npm packages the
# tests use (tests/node). Idempotent, and quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libsimdjson-dev libzstd-dev libsnappy-dev libssl-dev
  libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libasio-dev zlib1g-dev liblz4-dev
  clang libclang-rt-14-dev
  kcat python3 python3-kafka nodejs npm hyperfine time curl ccache
  openjdk-17-jdk-headless maven
  chromium  # the console test drives it headless (playwright-core; no browser download)
  python3-venv libsqlite3-dev  # .venv (scripts/venv.sh) and the Iceberg SQLite catalog
  prometheus  # promtool checks the broker's and the sink's /metrics
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node and npm may come from elsewhere than Debian (a newer node on PATH); accept that.
if command -v node >/dev/null && command -v npm >/dev/null; then
  keep=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || keep+=("$p"); done
  missing=("${keep[@]}")
fi

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
      echo "deps: need root to install: ${missing[*]} (run as root or install them with apt-get)" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q "${missing[@]}"
  }
fi

# npm packages for the interop and client tests; reinstalled only when package.json changes.
if [[ -f tests/node/package.json ]]; then
  stamp=tests/node/node_modules/.evpipe-stamp
  want=$(sha256sum tests/node/package.json | cut -c1-64)
  if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    echo "deps: npm install in tests/node"
    (cd tests/node && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$stamp"
  fi
fi

# JVM peers from their pinned poms, re-copied only when a pom changes:
# peers/kafka (broker, reference client, tools: BROKER=kafka, Kafka peer tests) and
# peers/spark (Iceberg's Spark runtime and sqlite-jdbc: tests/iceberg/spark_test.py).
for peer in kafka spark; do
  peer_pom=peers/$peer/pom.xml
  peer_lib=.evpipe/peers/$peer/lib
  [[ -f $peer_pom ]] || continue
  java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [[ -z "$java_major" || "$java_major" -lt 17 ]]; then
    echo "deps: the $peer peer needs a JDK 17+; found '${java_major:-none}' (install openjdk-17-jdk-headless)" >&2
    exit 1
  fi
  stamp=$peer_lib/.evpipe-stamp
  want=$(sha256sum "$peer_pom" | cut -c1-64)
  if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
    echo "deps: fetching the $peer peer's jars ($peer_pom)"
    rm -rf "$peer_lib"
    mkdir -p "$peer_lib"
    if ! mvn -q -B -Dstyle.color=never -f "$peer_pom" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$PWD/$peer_lib" >"$peer_lib.log" 2>&1; then
      tail -20 "$peer_lib.log" >&2
      echo "deps: mvn could not fetch the $peer peer's jars (log: $peer_lib.log)" >&2
      exit 1
    fi
    echo "$want" >"$stamp"
  fi
done

# franz-go for the client matrix (tests/clients/franzgo, pinned in go.mod/go.sum):
# the modules are downloaded here; the tests build offline (GOPROXY=off).
if [[ -f tests/clients/franzgo/go.mod ]]; then
  if ! command -v go >/dev/null; then
    echo "deps: go (1.24+) not found: the franz-go client test needs it (https://go.dev/doc/install)" >&2
    exit 1
  fi
  (cd tests/clients/franzgo && go mod download) || { echo "deps: go mod download failed in tests/clients/franzgo" >&2; exit 1; }
fi
