#!/usr/bin/env bash
# Lint, type-check, check the architecture contracts, then run the whole suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "==> ruff"
ruff check src tests bench
ruff format --check src tests bench
echo "==> mypy"
mypy
echo "==> import-linter"
lint-imports
echo "==> migrations match the models"
ZHENGWU_VAR_DIR="$(mktemp -d)" zhengwu makemigrations --check --dry-run >/dev/null
[ "${1:-}" = "--lint-only" ] && exit 0

export ZHENGWU_DATABASE_URL="${ZHENGWU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/zhengwu}"
export ZHENGWU_TEST_REDIS_URL="${ZHENGWU_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export ZHENGWU_VAR_DIR="${ZHENGWU_VAR_DIR:-$(mktemp -d /tmp/zhengwu-test.XXXXXX)}"
export ZHENGWU_TASKS_IMMEDIATE=1
echo "==> pytest (PostgreSQL: $ZHENGWU_DATABASE_URL)"
pytest "$@"
