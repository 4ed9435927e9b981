#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian machine, and nothing twice.
#   scripts/bootstrap.sh run   system packages, .venv, dependencies, translations
#   scripts/bootstrap.sh test  the same plus the test tools, Chromium, PostgreSQL and Redis running
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-run}"

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_pkgs=()
want() { dpkg -s "$1" >/dev/null 2>&1 || need_pkgs+=("$1"); }
want gettext
want fonts-noto-cjk
# WeasyPrint renders PDF documents (the award notice) at run time through Pango, with the CJK fonts above.
want libpango-1.0-0
want libpangoft2-1.0-0
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then want python3-venv; fi
if [ "$MODE" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || want chromium
  command -v pg_ctlcluster >/dev/null 2>&1 || want postgresql
  command -v redis-server >/dev/null 2>&1 || want redis-server
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "==> installing system packages: ${need_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

python3 - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit("Zhengwu needs Python 3.11 or newer; found " + sys.version.split()[0])
PY

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/pip install -q --disable-pip-version-check "uv==0.13.8"
fi

LOCK=requirements.lock
[ "$MODE" = "test" ] && LOCK=requirements-dev.lock
STAMP=".venv/.synced-$(sha256sum "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "==> installing Python dependencies from $LOCK"
  .venv/bin/uv pip sync -q --python .venv/bin/python --require-hashes "$LOCK"
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  rm -f .venv/.synced-*
  touch "$STAMP"
fi

# Compile translations when a catalogue is newer than its compiled form.
for po in $(find src/zhengwu -name '*.po'); do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then msgfmt --check -o "$mo" "$po"; fi
done

if [ "$MODE" = "test" ]; then
  bash scripts/services.sh
fi
