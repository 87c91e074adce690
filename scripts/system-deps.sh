#!/usr/bin/env bash
# Install the Debian packages the tests need, only when missing (CI runs as root).
# Each feature adds its packages to NEEDED as "command:package".
set -euo pipefail
NEEDED=(
  "chromium:chromium"
  "nft:nftables"
  "ip:iproute2"
  "tc:iproute2"
  "bgpdump:bgpdump"
  "pdftoppm:poppler-utils"
  "fping:fping"
)
missing=()
for pair in "${NEEDED[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
