#!/usr/bin/env bash
# Before the tests: the browser tests need Debian's chromium and the feedback-store tests need a
# PostgreSQL server binary. Installs them when missing and allowed (root with apt), else says what to do.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (needed by the browser and PostgreSQL tests)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "The tests need: ${need[*]}. Install them (Debian: sudo apt-get install -y ${need[*]}) and run npm test again." >&2
  exit 1
fi
