#!/usr/bin/env bash
# Install the Debian packages netvigil needs, only when missing (CI runs as root).
#   scripts/system-deps.sh           what the tests need
#   scripts/system-deps.sh build     what building the package needs (a C compiler, Python.h)
# Each feature adds its packages to NEEDED as "command:package".
set -euo pipefail
if [ "${1:-}" = build ]; then
  NEEDED=("cc:gcc")
else
  NEEDED=(
    "chromium:chromium"
    "nft:nftables"
    "ip:iproute2"
    "tc:iproute2"
    "bgpdump:bgpdump"
    "pdftoppm:poppler-utils"
    "fping:fping"
    "npm:npm"
  )
fi
missing=()
for pair in "${NEEDED[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("$pkg")
done
if [ "${1:-}" = build ]; then
  # The MRT decoder's C fast path needs the headers of the Python that builds it.
  include=$("${PY:-python3.11}" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
  [ -f "$include/Python.h" ] || missing+=("python3-dev")
fi
install_missing() {
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
    return 0
  fi
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
install_missing
if [ "${1:-}" != build ]; then
  # The browser tests' accessibility checker: npm's axe-core, cached once (scripts/axe-core.sh).
  bash "$(dirname "$0")/axe-core.sh" >/dev/null
fi
