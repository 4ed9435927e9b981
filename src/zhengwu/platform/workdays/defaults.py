"""The official arrangements shipped with Zhengwu (``data/cn-YYYY.csv``) and how to read them.

Each file holds one year of the State Council's notice, checked date by date against the
notice's text; its header comments name the notice. Kept apart from ``services`` so that the
data migration can read the files without importing models.
"""

from __future__ import annotations

from pathlib import Path

from zhengwu.platform.workdays.rules import CalendarRow, calendar_rows_parse

DATA_DIR = Path(__file__).resolve().parent / "data"


def defaults_files() -> list[Path]:
    """The shipped calendar files, oldest year first."""
    return sorted(DATA_DIR.glob("cn-*.csv"))


def defaults_rows() -> list[tuple[Path, list[CalendarRow]]]:
    """Every shipped file with its validated rows (raises ``InvalidInput`` on a broken file)."""
    return [(path, calendar_rows_parse(path.read_bytes())) for path in defaults_files()]
