#!/usr/bin/env bash
# Put axe-core (the accessibility checker the browser tests run in each page) in the test cache,
# once, from the npm registry; the tests then read it from there and stay offline.
#   scripts/axe-core.sh            install if missing; prints where it is
# The cache: $NETVIGIL_TEST_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/netvigil (the tests look there too).
set -euo pipefail
VERSION=4.14.1
CACHE=${NETVIGIL_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netvigil}
DEST="$CACHE/axe-core-$VERSION"
if [ -f "$DEST/axe.min.js" ]; then echo "$DEST/axe.min.js"; exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "axe-core needs npm to install (apt-get install npm); the browser tests' accessibility checks will skip" >&2
  exit 0
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm pack --silent "axe-core@$VERSION" >/dev/null && tar xzf "axe-core-$VERSION.tgz")
mkdir -p "$DEST"
cp "$scratch/package/axe.min.js" "$scratch/package/LICENSE" "$DEST/"
echo "$DEST/axe.min.js"
