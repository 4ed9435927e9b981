"""The ``zhengwu`` command.

``zhengwu [--platform NAME] COMMAND [ARGS]``. ``--platform`` (anywhere on the line) chooses the
deployable: public, trading, supervision, appraisal, center, or standalone (the default).
``serve`` and ``worker`` start processes; every other command is a Django management command
of the chosen deployable (``uscc``, ``audit``, ``exchange``, ``calendar``, ``demo``, ``migrate``…).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

PLATFORMS = ("public", "trading", "supervision", "appraisal", "center", "standalone")

USAGE = """usage: zhengwu [--platform NAME] COMMAND [ARGS]

Commands:
  serve [--host H] [--port N] [--workers N] [--no-worker]   start the web server (+ a task worker)
  worker                        run the background task worker (exchange relay, scheduler)
  setup [--no-demo]             migrate the database and load the demo data
  uscc CODE...                  check unified social credit codes
  audit verify|seal|show        the hash-chained audit log
  exchange status|replay|relay  the outbox/inbox between deployables
  upward report|push|resend     the push of the national datasets to the higher-level platform
  calendar import|show|load-defaults  the working-day calendar
  demo                          load demo data
  keys                          print this deployable's public signing key
  totp USERNAME                 print a demo account's current one-time code
  bid keygen|seal|verify|submit  the bid tool on the bidder's machine (submit uploads via the API)
  experts verify-draw RECORD.json [--commitment HEX]  re-run an expert draw from its published record
  ocds bulk|validate            open data (OCDS): write the monthly bulk files; validate everything offline
  (any Django management command, e.g. migrate, createsuperuser, shell)

Platforms: public, trading, supervision, appraisal, center, standalone (default).
"""


def _take_option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            value = argv[i + 1]
            del argv[i : i + 2]
            return value
        if arg.startswith(name + "="):
            del argv[i]
            return arg.split("=", 1)[1]
    return None


def _take_flag(argv: list[str], name: str) -> bool:
    if name in argv:
        argv.remove(name)
        return True
    return False


def settings_module(platform: str) -> str:
    return f"zhengwu.deploy.{platform}.settings"


def _serve(platform: str, argv: list[str]) -> int:
    host = _take_option(argv, "--host") or os.environ.get("ZHENGWU_HOST", "127.0.0.1")
    port = _take_option(argv, "--port") or os.environ.get("ZHENGWU_PORT", "8000")
    workers = _take_option(argv, "--workers") or os.environ.get("ZHENGWU_WEB_WORKERS", "2")
    no_worker = _take_flag(argv, "--no-worker")
    if argv:
        print(f"zhengwu serve: unknown arguments: {' '.join(argv)}", file=sys.stderr)
        return 2
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings_module(platform))
    worker: subprocess.Popen[bytes] | None = None
    if not no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "zhengwu.cli", "--platform", platform, "worker"], env=env)
    wsgi = f"zhengwu.deploy.{platform}.wsgi:application"
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        wsgi,
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
    ]
    web = subprocess.Popen(cmd, env=env)
    print(f"Zhengwu ({platform}) is starting on http://{host}:{port}/ — press Ctrl-C to stop.", flush=True)

    def _stop(signum: int, frame: object) -> None:
        web.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        code = web.wait()
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return code


def main(args: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if args is None else args)
    platform = _take_option(argv, "--platform") or os.environ.get("ZHENGWU_DEPLOYABLE", "standalone")
    if platform not in PLATFORMS:
        print(f"zhengwu: unknown platform {platform!r}; choose one of {', '.join(PLATFORMS)}", file=sys.stderr)
        return 2
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "bid":
        # The bidder's tool: no settings, no database, nothing of the server is loaded.
        from zhengwu.contexts.bidding.tool import main as bid_main

        return bid_main(rest)
    if command == "experts" and rest[:1] == ["verify-draw"]:
        # Anyone may re-run a published draw: no settings, no database, nothing of the server.
        from zhengwu.contexts.experts.verify import main as verify_draw_main

        return verify_draw_main(rest[1:])
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module(platform)
    if command == "serve":
        return _serve(platform, rest)
    if command == "worker":
        command = "run_huey"
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["zhengwu", command, *rest])
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
