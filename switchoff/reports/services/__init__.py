"""Every write of the reports app, one module per concern; call them as ``services.<name>``.

- ``activities``: one activity (the form, the API), the days × forms grid;
- ``sheets``: a unit's own activity sheet written into the log, replacing its earlier imports;
- ``workflow``: the monthly report (open, save, submit, return, accept, reopen, asked back), bulk accept,
  a province's report to the country (``level_report_submit``; ``levels`` says how), and the record of a
  download of the aggregated report.
"""

from switchoff.reports.services.activities import (
    MAX_COUNT,
    GridCell,
    GridSaved,
    activities_grid_save,
    activity_create,
    activity_delete,
    counted_form_refusal,
    grid_cells,
    grid_key,
    month_is_closed,
    refuse_counted_form,
    typed_forms,
)
from switchoff.reports.services.sheets import SheetImported, Taught, activities_import
from switchoff.reports.services.workflow import (
    AcceptedMany,
    LineInput,
    ReportNeedsConfirmation,
    acts_for_unit,
    aggregate_export_record,
    level_report_submit,
    report_accept,
    report_line_follow_log,
    report_open,
    report_preview,
    report_refill,
    report_reopen,
    report_return,
    report_return_request,
    report_save,
    report_submission_check,
    report_submit,
    reports_accept_many,
)

__all__ = [
    "MAX_COUNT",
    "AcceptedMany",
    "GridCell",
    "GridSaved",
    "LineInput",
    "ReportNeedsConfirmation",
    "SheetImported",
    "Taught",
    "activities_grid_save",
    "activities_import",
    "activity_create",
    "activity_delete",
    "acts_for_unit",
    "aggregate_export_record",
    "counted_form_refusal",
    "grid_cells",
    "grid_key",
    "level_report_submit",
    "month_is_closed",
    "refuse_counted_form",
    "report_accept",
    "report_line_follow_log",
    "report_open",
    "report_preview",
    "report_refill",
    "report_reopen",
    "report_return",
    "report_return_request",
    "report_save",
    "report_submission_check",
    "report_submit",
    "reports_accept_many",
    "typed_forms",
]
