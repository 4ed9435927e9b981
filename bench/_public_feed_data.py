"""The OCDS releases of generated tenders, made by the public platform's own handlers.

Each tender is the open-data tests' construction section (``disclosure/tests/ocds_events.py``)
under its own codes: its tender notice, candidates, award and contract — four releases and a
compiled record, through exactly the code the exchange's inbox runs. (The freeze and the opening
record are signed statements over their section code, so they are left out here.)
Runs under the standalone settings: the handlers check the sender's key, and the standalone
deployable is the one that knows its own.
"""

from __future__ import annotations

import dataclasses
import uuid

from django.db import transaction

from zhengwu.contexts.disclosure.tests import ocds_events


def processes_publish(*, count: int) -> None:
    """Apply the four events of ``count`` generated tenders, one transaction per event."""
    for n in range(count):
        project = f"E5301022026{n:06d}X"
        section = project + "001001"
        notice = ocds_events.notice(
            notice_id=str(uuid.UUID(int=0x0195_0000_0000_7000_9000_0000_0000_0000 + n)),
            project_code=project,
            section_codes=[section],
            title=f"滇池路提升改造工程（第{n + 1}期）招标公告",
        )
        codes = {"section_code": section, "project_code": project}
        for event in (
            notice,
            dataclasses.replace(ocds_events.candidates(), **codes),
            dataclasses.replace(ocds_events.award(), **codes),
            dataclasses.replace(ocds_events.contract(), **codes),
        ):
            with transaction.atomic():
                ocds_events.apply(event)
