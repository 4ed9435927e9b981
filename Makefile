# The two commands of the README. Everything they need is installed by scripts/bootstrap.sh.
.PHONY: run test setup lint lock messages

PY := .venv/bin/python

run:
	@bash scripts/bootstrap.sh run
	@.venv/bin/zhengwu setup
	@.venv/bin/zhengwu serve

test:
	@bash scripts/bootstrap.sh test
	@bash scripts/test.sh

setup:
	@bash scripts/bootstrap.sh run

lint:
	@bash scripts/test.sh --lint-only

# Re-pin the lock files after editing dependencies in pyproject.toml.
lock:
	.venv/bin/uv pip compile pyproject.toml -o requirements.lock --generate-hashes --python-version 3.11 -q
	.venv/bin/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --generate-hashes --python-version 3.11 -q

messages:
	cd src/zhengwu && ../../.venv/bin/django-admin makemessages -l zh_Hans --no-obsolete --add-location file
