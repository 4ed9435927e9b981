"""Each deployable boots alone, with only its own contexts and its own database.

Another platform's pages and API are 404 there, while the same URLs work in the standalone
deployment (checked in test_standalone_serves_every_platform).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import base_env, http_get, pg_database, pg_query, served, zhengwu
from zhengwu.deploy.platforms import PLATFORM_META

pytestmark = pytest.mark.processes

PLATFORMS = list(PLATFORM_META)


def _own_tables(database_url: str) -> set[str]:
    return {row[0] for row in pg_query(database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_deployable_boots_alone_and_serves_only_its_own_platform(platform: str, tmp_path: Path) -> None:
    with pg_database(f"zw_smoke_{platform}") as database_url:
        env = base_env(database_url=database_url, var_dir=tmp_path)
        result = zhengwu(platform, "setup", "--no-demo", env=env)
        assert result.returncode == 0, result.stderr

        # Only this platform's contexts have tables in its database.
        tables = _own_tables(database_url)
        for other, meta in PLATFORM_META.items():
            for context in meta["contexts"]:
                has_tables = any(t.startswith(context + "_") for t in tables)
                if other != platform:
                    assert not has_tables, f"{platform} database holds tables of {context}"
        assert "identity_user" in tables
        assert "audit_entry" in tables

        with served(platform, env=env) as base:
            status, body = http_get(base + "/healthz")
            assert status == 200
            health = json.loads(body)
            assert health["deployable"] == platform
            assert health["platforms"] == [platform]
            assert health["database"] == "ok"

            prefix = "/" + PLATFORM_META[platform]["prefix"]
            status, body = http_get(base + prefix)
            assert status == 200
            assert f'class="platform-{platform}"' in body

            status, body = http_get(base + prefix + "api/openapi.json")
            assert status == 200
            assert json.loads(body)["openapi"].startswith("3.")

            status, _ = http_get(base + prefix + "api/docs")
            assert status == 200

            for other, meta in PLATFORM_META.items():
                if other == platform:
                    continue
                other_prefix = "/" + meta["prefix"]
                if other_prefix != "/":
                    status, _ = http_get(base + other_prefix)
                    assert status == 404, f"{other_prefix} answered {status} on {platform}"
                    status, _ = http_get(base + other_prefix + "accounts/login/")
                    assert status == 404
                else:
                    # The public home lives at "/": on other deployables it does not exist.
                    status, _ = http_get(base + "/")
                    assert status == 404
                status, body = http_get(base + other_prefix + "api/openapi.json")
                assert status == 404
                assert json.loads(body)["code"] == "not_found"


def test_standalone_serves_every_platform(tmp_path: Path) -> None:
    with pg_database("zw_smoke_standalone") as database_url:
        env = base_env(database_url=database_url, var_dir=tmp_path)
        result = zhengwu("standalone", "setup", "--no-demo", env=env)
        assert result.returncode == 0, result.stderr
        with served("standalone", env=env) as base:
            status, body = http_get(base + "/healthz")
            assert json.loads(body)["platforms"] == PLATFORMS
            for platform, meta in PLATFORM_META.items():
                prefix = "/" + meta["prefix"]
                status, body = http_get(base + prefix)
                assert status == 200, prefix
                assert f'class="platform-{platform}"' in body
                status, _ = http_get(base + prefix + "api/openapi.json")
                assert status == 200
