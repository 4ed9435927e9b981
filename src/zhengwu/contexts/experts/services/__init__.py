"""Writes of the experts context: the expert pool (专家库).

Every service takes keyword arguments and ``by: Actor``, checks permission first, then changes
the data in one transaction and appends one audit entry as its last write. A refused call
changes nothing. The centre's staff maintain the pool; an expert may declare their own
conflicts and periods of unavailability.

Other contexts import from here (``zhengwu.contexts.experts.services``), never from the modules
behind it.
"""

from zhengwu.contexts.experts.services.conflicts import Window, availability_set, conflict_declare, conflict_withdraw
from zhengwu.contexts.experts.services.draws import assignment_answer, draw_commit, draw_perform
from zhengwu.contexts.experts.services.experts import (
    expert_create,
    expert_reinstate,
    expert_retire,
    expert_suspend,
    expert_update,
)
from zhengwu.contexts.experts.services.importing import ImportedRow, ImportReport, RowError, experts_import
from zhengwu.contexts.experts.services.section_draws import (
    Committee,
    DrawCheck,
    section_draw_check,
    section_draw_commit,
    section_draw_perform,
)

__all__ = [
    "Committee",
    "DrawCheck",
    "ImportReport",
    "ImportedRow",
    "RowError",
    "Window",
    "assignment_answer",
    "availability_set",
    "conflict_declare",
    "conflict_withdraw",
    "draw_commit",
    "draw_perform",
    "expert_create",
    "expert_reinstate",
    "expert_retire",
    "expert_suspend",
    "expert_update",
    "experts_import",
    "section_draw_check",
    "section_draw_commit",
    "section_draw_perform",
]
