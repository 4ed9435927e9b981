"""Writes of the evaluation context: the room (``room``) and what follows the report (``outcome``).

Other modules import from here (``zhengwu.contexts.evaluation.services``), never from the modules
behind it.
"""

from zhengwu.contexts.evaluation.services.outcome import (
    award_decide,
    candidates_publish,
    contract_register,
    written_report_submit,
)
from zhengwu.contexts.evaluation.services.room import (
    DISSENT_MAX,
    SCORE_TEXT_MAX,
    adjustment_record,
    compliance_mark,
    evaluation_create,
    flag_confirm,
    leader_set,
    leader_vote,
    report_sign,
    sheet_problems,
    sheet_reopen,
    sheet_save,
    sheet_submit,
)

__all__ = [
    "DISSENT_MAX",
    "SCORE_TEXT_MAX",
    "adjustment_record",
    "award_decide",
    "candidates_publish",
    "compliance_mark",
    "contract_register",
    "evaluation_create",
    "flag_confirm",
    "leader_set",
    "leader_vote",
    "report_sign",
    "sheet_problems",
    "sheet_reopen",
    "sheet_save",
    "sheet_submit",
    "written_report_submit",
]
