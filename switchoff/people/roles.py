"""Roles and what they may do: the one place where permissions are written down.

A user holds roles through memberships (unit + role). The README shows this
table, and a test checks that the README and this module agree.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("Campaign coordinator")
    REPORTER = "reporter", _("Unit reporter")
    TEAM_LEADER = "team_leader", _("Team leader")
    TEAM_MEMBER = "team_member", _("Team member (field)")
    OPERATOR_STAFF = "operator_staff", _("Operator staff")
    VIEWER = "viewer", _("Read-only viewer")


class Perm(models.TextChoices):
    VIEW_UNITS = "units.view", _("See units in their area")
    EDIT_UNITS = "units.edit", _("Add and edit villages and teams")
    MERGE_UNITS = "units.merge", _("Merge units, edit unit kinds")
    VIEW_PEOPLE = "people.view", _("See people in their area")
    MANAGE_PEOPLE = "people.manage", _("Invite people, grant roles, reset passwords")
    VIEW_AUDIT = "audit.view", _("Browse the audit trail")
    USE_API = "api.use", _("Create API tokens")
    REPORT = "reports.edit", _("Log activities and submit the unit's monthly report")
    VIEW_REPORTS = "reports.view", _("Read the reports of their area, completeness and the aggregated report")
    REVIEW = "reports.review", _("Accept or return reports, see completeness, download the aggregated report")
    MANAGE_CAMPAIGNS = "campaigns.manage", _("Set up campaigns, their catalogue and who reports")
    VIEW_SUBSCRIBERS = "subscribers.view", _("See 2G-only subscribers in their area, numbers masked")
    REVEAL_NUMBERS = "subscribers.reveal", _("Reveal a full number or export the list (every time is logged)")
    IMPORT_SUBSCRIBERS = "subscribers.import", _("Import operators' lists")
    IMPORT_DEVICES = "devices.import", _("Import device tables (models and their radio capabilities)")
    VISIT = "fieldwork.visit", _("Visit and call the team's cases, record visits, use a phone for field work")
    LEAD_TEAM = "fieldwork.lead", _("Lead a team: hand its cases to members, resolve conflicts, revoke its phones")
    MANAGE_FIELD = "fieldwork.manage", _("Assign the area's cases to teams, set teams' villages and members")
    MANAGE_PROGRAMMES = "programmes.manage", _("Define support programmes (phones, tariffs, cash) and their stock")
    APPROVE_SUPPORT = "programmes.approve", _("Approve referrals to support programmes and record deliveries")
    INSPECT_SHOPS = "shops.inspect", _("Register phone shops and record their inspections")
    ANSWER_REQUESTS = (
        "privacy.requests",
        _("Answer a person's request about their data: what is held, a correction, an erasure (each logged)"),
    )


_ALL = set(Perm)

PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMINISTRATOR: frozenset(_ALL),
    Role.COORDINATOR: frozenset(_ALL - {Perm.MERGE_UNITS}),
    # The commune's official directs its teams: which villages each covers, who is in it, which cases it has.
    Role.REPORTER: frozenset(
        {
            Perm.VIEW_UNITS,
            Perm.EDIT_UNITS,
            Perm.VIEW_PEOPLE,
            Perm.USE_API,
            Perm.REPORT,
            Perm.VIEW_SUBSCRIBERS,
            Perm.MANAGE_FIELD,
            Perm.APPROVE_SUPPORT,
            Perm.INSPECT_SHOPS,
        }
    ),
    Role.TEAM_LEADER: frozenset(
        {
            Perm.VIEW_UNITS,
            Perm.VIEW_PEOPLE,
            Perm.REPORT,
            Perm.VIEW_SUBSCRIBERS,
            Perm.REVEAL_NUMBERS,
            Perm.VISIT,
            Perm.LEAD_TEAM,
            Perm.INSPECT_SHOPS,
        }
    ),
    # Field workers call and visit the people on their villages' list.
    Role.TEAM_MEMBER: frozenset(
        {Perm.VIEW_UNITS, Perm.VIEW_SUBSCRIBERS, Perm.REVEAL_NUMBERS, Perm.VISIT, Perm.INSPECT_SHOPS}
    ),
    Role.OPERATOR_STAFF: frozenset(
        {
            Perm.VIEW_UNITS,
            Perm.USE_API,
            Perm.REPORT,
            Perm.VIEW_SUBSCRIBERS,
            Perm.REVEAL_NUMBERS,
            Perm.IMPORT_SUBSCRIBERS,
            Perm.MANAGE_PROGRAMMES,
            Perm.APPROVE_SUPPORT,
        }
    ),
    # The province's read-only viewer is there to follow the campaign: its reports and their aggregate.
    Role.VIEWER: frozenset({Perm.VIEW_UNITS, Perm.VIEW_PEOPLE, Perm.VIEW_REPORTS, Perm.VIEW_SUBSCRIBERS}),
}

# Roles whose holders must use two-factor authentication.
TWO_FACTOR_REQUIRED: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})

# Roles a user may grant, by the granter's role: nobody grants above themselves.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMINISTRATOR: frozenset(Role),
    Role.COORDINATOR: frozenset(set(Role) - {Role.ADMINISTRATOR}),
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in PERMISSIONS.get(Role(role), frozenset())
