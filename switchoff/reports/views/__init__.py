"""The reports app's pages, one module per page (``urls.py`` names them):

- ``log``: a unit's activity log for a month and the form to log one more;
- ``grid``: the days × forms grid;
- ``sheet``: importing the unit's own activity sheet, and its template;
- ``report``: a unit's monthly report, submitting it, the coordinator's review, asking for it back;
- ``completeness``: completeness and timeliness, reminders, bulk accept, the aggregated report's downloads.
"""
