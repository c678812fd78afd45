#!/usr/bin/env bash
# Rebuilds the Telegram Mini App from its lock file (web/miniapp/package-lock.json) and fails
# when the result differs from the build committed in src/booking_api/miniapp/static/.
#
#   bash scripts/check_web_build.sh
#
# Needs Node.js >= 20.19 and npm; running the service or its tests does not.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/booking_api/miniapp/static

(cd web/miniapp && npm ci --no-audit --no-fund --loglevel=error && npm run build)

changes=$(git status --porcelain --untracked-files=all -- "$out")
if [ -n "$changes" ]; then
    echo "The committed Mini App build differs from a fresh build of web/miniapp:" >&2
    echo "$changes" >&2
    git --no-pager diff --stat -- "$out" >&2
    echo "Rebuild it (cd web/miniapp && npm ci && npm run build) and commit $out." >&2
    exit 1
fi
echo "Mini App build matches web/miniapp (${out})."
