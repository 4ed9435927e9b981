# The two commands of the README. Everything they need is installed by scripts/bootstrap.sh.
.PHONY: run test setup lint lock messages qa-ocds

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

# Open data QA: load the demo into the embedded database, then check the published OCDS release and
# record packages with libcoveocds (AGPL, QA only) fully offline; prints the counts, fails on errors.
qa-ocds:
	@bash scripts/bootstrap.sh test
	@.venv/bin/zhengwu setup
	@PYTHONPATH=src .venv/bin/python scripts/ocds_qa.py
