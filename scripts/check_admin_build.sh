#!/usr/bin/env bash
# The admin's calendar board: the built files committed in the Python package
# (src/booking_api/admin/statics/board/) are what web/admin/ builds from its sources and
# package-lock.json. Installs the locked packages (npm ci), type-checks, rebuilds, and fails
# when the rebuilt files differ from the committed ones. Needs Node.js 20+ and npm.
#   bash scripts/check_admin_build.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
built="$root/src/booking_api/admin/statics/board"
cd "$root/web/admin"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install tsc --noEmit -p .
before="$(mktemp -d)"
trap 'rm -rf "$before"' EXIT
cp -a "$built/." "$before/"
node build.mjs
if ! diff -r "$before" "$built" >/dev/null; then
    diff -r "$before" "$built" | head -20 || true
    echo "admin board: the committed build in $built is stale; run: cd web/admin && npm ci && node build.mjs" >&2
    exit 1
fi
echo "admin board: the committed build matches web/admin/ (checked $(ls "$built" | tr '\n' ' '))"
