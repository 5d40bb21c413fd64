"""An operator's delivery list written set-based on PostgreSQL: the same rows, words and records as the batched
path (``services.deliveries_from_operator``), in a fixed number of statements whatever the list's size.

1. The list's numbers go by COPY into a temporary table; one query matches them to the campaign's cases in the
   programme's area (a number's first case) and brings each row's household key, the household's earlier
   delivery of the programme and its open referral.
2. The rules are judged row after row in the list's order, on plain tuples (the same order and words as the
   one-row service: once per household, also within the list; an approved referral; the date; the IMEI's
   verdict, classified together; the stock of the narrowest area).
3. The delivered rows, with numbers taken from the tables' sequences, go by COPY into a second temporary table;
   from it one statement each writes the deliveries (a household's open referral marked delivered; none made
   where it had none: the sponsor handed the phone over directly; the database's once-per-household constraint
   on the deliveries stays the last guard), the cases moved towards "switched" (``rules.after_visit`` for a
   switch, written as SQL), and their "switched" visits (ids derived from the deliveries, content digests built in SQL
   from the field work's canonical text). The counters get grouped deltas (cases before and after, visits), the
   report one activity per reporting unit and day, the audit trail the import's row listing its deliveries.

Everything runs in the caller's transaction: a failure anywhere leaves nothing written.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.fieldwork.counts import CaseDeltas
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Outcome, Stage, Status
from switchoff.fieldwork.services.visits import VisitInput
from switchoff.lib.bulk import bulk_insert
from switchoff.ops.metrics import record_visits
from switchoff.people.models import User
from switchoff.programmes.access import may_approve
from switchoff.programmes.eligibility import delivered_words, narrowest_stock, no_stock_message
from switchoff.programmes.models import Delivery, Programme, Referral, Sponsor, Stock
from switchoff.programmes.reporting import DELIVERY_FORM, count_grouped_into_report
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit

ROWS = "programmes_list_rows"  # temporary: the list's numbers
DONE = "programmes_list_done"  # temporary: the delivered rows

# Stand-ins whose places in the field work's canonical text of a visit are filled by SQL.
_SOME_ID = uuid.UUID("0f0f0f0f-1e1e-4d4d-8c8c-3b3b3b3b3b3b")
_SOME_CASE = 918273645546372819
_SOME_TIME = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)


@dataclass
class Outcomes:
    """Per row of ``rows`` (by position): "" delivered, else the sentence it is refused with; None unmatched."""

    said: list[str | None]
    delivered: list[int] = field(default_factory=list)  # the deliveries' numbers, in the list's order
    counted: int = 0  # deliveries counted into a monthly report


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type) -> str:
    return _q(model._meta.db_table)  # type: ignore[attr-defined]


def digest_sql(note: str) -> tuple[str, dict[str, str]]:
    """SQL computing the digest ``VisitInput.digest`` gives a delivery's "switched" visit (``note``, no case
    version) from the columns ``d.visit_id``, ``d.case_id`` and ``d.visited_iso``; and its named parameters."""
    text = VisitInput(
        id=_SOME_ID, case_id=_SOME_CASE, visited_at=_SOME_TIME, outcome=Outcome.SWITCHED, note=note, clock_offset_s=0
    ).canonical()
    holes = sorted(
        (text.index(marker), len(marker), column)
        for marker, column in (
            (str(_SOME_ID), "d.visit_id::text"),
            (str(_SOME_CASE), "d.case_id::text"),
            (_SOME_TIME.isoformat(), "d.visited_iso"),
        )
    )
    parts: list[str] = []
    params: dict[str, str] = {}
    at = 0
    for start, length, column in holes:
        parts += [f"%(piece{len(params)})s", column]
        params[f"piece{len(params)}"] = text[at:start]
        at = start + length
    parts.append(f"%(piece{len(params)})s")
    params[f"piece{len(params)}"] = text[at:]
    return f"encode(sha256(convert_to({' || '.join(parts)}, 'UTF8')), 'hex')", params


def _match(cursor, programme: Programme, numbers: Sequence[str]) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    """Per matched row: (position, case, unit, unit's path, household key, earlier delivery (id, day, place),
    open referral (id, state)); one query."""
    cursor.execute(f"DROP TABLE IF EXISTS {ROWS}")
    cursor.execute(f"CREATE TEMPORARY TABLE {ROWS} (n integer NOT NULL, e164 text NOT NULL)")
    bulk_insert(ROWS, ("n", "e164"), enumerate(numbers))
    cursor.execute(f"ANALYZE {ROWS}")
    cursor.execute(
        f"""
        SELECT m.n, m.case_id, m.unit_id, m.path, m.hkey, dl.id, dl.delivered_on, dl.place, rf.id, rf.state
        FROM (
            SELECT DISTINCT ON (r.n) r.n, c.id AS case_id, c.unit_id, u.rollup_path AS path,
                   COALESCE('h' || s.household_id::text, 's' || s.id::text) AS hkey
            FROM {ROWS} r
            JOIN {_table(Subscriber)} s ON s.msisdn = r.e164
            JOIN {_table(Case)} c ON c.subscriber_id = s.id AND c.campaign_id = %s
            JOIN {_table(Unit)} u ON u.id = c.unit_id AND u.rollup_path LIKE %s
            ORDER BY r.n, c.id
        ) m
        LEFT JOIN {_table(Delivery)} dl ON dl.programme_id = %s AND dl.household_key = m.hkey
        LEFT JOIN {_table(Referral)} rf ON rf.programme_id = %s AND rf.household_key = m.hkey AND rf.state <> %s
        ORDER BY m.n
        """,  # noqa: S608  (names from the models, every value a parameter)
        [programme.campaign_id, programme.area.rollup_path + "%", programme.pk, programme.pk, Referral.State.REFUSED],
    )
    return cursor.fetchall()


def _numbers(cursor, model: type, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``n`` new primary keys of ``model``'s table, ascending (rows written with them keep the list's order)."""
    if not n:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, n],  # type: ignore[attr-defined]
    )
    return sorted(pk for (pk,) in cursor.fetchall())


def deliveries_write(
    *,
    actor: User,
    programme: Programme,
    rows: Sequence[tuple[str, str, datetime.date, str]],
    verdicts: dict[str, tuple[str, str]],
    phones: bool,
    source: str = "list",
) -> Outcomes:
    """The rows (number, IMEI without spaces, day, store) recorded as deliveries of ``programme`` (locked by the
    caller); ``verdicts``: each IMEI's (verdict, refusal) as ``services.imei_refusals`` gives them."""
    now = timezone.now()
    today = timezone.localdate()
    out = Outcomes(said=[None] * len(rows))
    with connection.cursor() as cursor:
        matched = _match(cursor, programme, [number for number, _imei, _day, _store in rows])
        if programme.sponsor == Sponsor.OPERATOR:
            allowed = not matched or may_approve(actor, programme, programme.owner)
        else:
            units = Unit.objects.filter(pk__in={m[2] for m in matched})
            allowed = all(may_approve(actor, programme, unit) for unit in units)
        if not allowed:
            raise PermissionDenied
        stocks = list(programme.stocks.select_related("unit").select_for_update(of=("self",)).order_by("pk"))
        stock_of: dict[str, Stock | None] = {}
        taken: dict[int, int] = {}
        fresh: dict[str, tuple[int, datetime.date, str]] = {}  # household key → (position, day, store) delivered
        later: list[tuple[int, str]] = []
        done: list[tuple[int, int, int, str, str, str, int | None, str | None]] = []
        for n, case_id, unit_id, path, key, earlier, earlier_day, earlier_place, referral, state in matched:
            _number, imei, day, store = rows[n]
            if earlier is not None:
                out.said[n] = delivered_words(earlier, earlier_day, earlier_place)
                continue
            if key in fresh:
                out.said[n] = ""
                later.append((n, key))
                continue
            if referral is not None and state not in (Referral.State.REFERRED, Referral.State.APPROVED):
                out.said[n] = _("Only an approved referral can be delivered.")
                continue
            if day > today:
                out.said[n] = _("The delivery date is in the future.")
                continue
            verdict = ""
            if phones:
                if not imei:
                    out.said[n] = _("A phone's IMEI is required (dial *#06# to see it).")
                    continue
                verdict, refusal = verdicts[imei]
                if refusal:
                    out.said[n] = refusal
                    continue
            if path not in stock_of:
                stock_of[path] = narrowest_stock(stocks, path)
            stock = stock_of[path]
            if stock is not None:
                if stock.delivered + taken.get(stock.pk, 0) >= stock.quantity:
                    out.said[n] = no_stock_message(stock)
                    continue
                taken[stock.pk] = taken.get(stock.pk, 0) + 1
            elif stocks:
                out.said[n] = no_stock_message(None)
                continue
            fresh[key] = (n, day, store)
            out.said[n] = ""
            done.append((n, case_id, unit_id, key, imei[:15], verdict, referral, state))
        if not done:
            cursor.execute(f"DROP TABLE {ROWS}")
            return out
        numbers = _numbers(cursor, Delivery, len(done))
        by_position = {d[0]: pk for d, pk in zip(done, numbers, strict=True)}
        for n, key in later:
            first, day, store = fresh[key]
            out.said[n] = delivered_words(by_position[first], day, store)
        out.delivered = numbers
        tz = timezone.get_current_timezone()
        at: dict[datetime.date, tuple[datetime.datetime, str]] = {}
        for day in {rows[d[0]][2] for d in done}:
            moment = min(datetime.datetime.combine(day, datetime.time(12), tzinfo=tz), now)
            at[day] = (moment, moment.astimezone(datetime.UTC).isoformat())
        from switchoff.programmes.services import DELIVERY_VISITS

        cursor.execute(f"DROP TABLE IF EXISTS {DONE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DONE} (delivery_id bigint, referral_id bigint, "
            "case_id bigint, unit_id bigint, household_key text, delivered_on date, place text, imei text, "
            "verdict text, visit_id uuid, visited_at timestamptz, visited_iso text)"
        )

        def lines() -> Iterator[tuple[object, ...]]:
            for (n, case_id, unit_id, key, imei, verdict, referral, _state), pk in zip(done, numbers, strict=True):
                _number, _imei, day, store = rows[n]
                moment, iso = at[day]
                yield (pk, referral, case_id, unit_id, key, day, store, imei, verdict,
                       uuid.uuid5(DELIVERY_VISITS, str(pk)), moment, iso)  # fmt: skip

        bulk_insert(DONE, ("delivery_id", "referral_id", "case_id", "unit_id", "household_key",
                           "delivered_on", "place", "imei", "verdict", "visit_id", "visited_at", "visited_iso"),
                    lines())  # fmt: skip
        for stock in stocks:
            if taken.get(stock.pk):
                cursor.execute(
                    f"UPDATE {_table(Stock)} SET delivered = delivered + %s WHERE id = %s",  # noqa: S608
                    [taken[stock.pk], stock.pk],
                )
        waiting = [d[6] for d in done if d[6] is not None and d[7] == Referral.State.REFERRED]
        approved = [d[6] for d in done if d[6] is not None and d[7] == Referral.State.APPROVED]
        Referral.objects.filter(pk__in=waiting).update(state=Referral.State.DELIVERED, decided_by=actor, decided_at=now)
        Referral.objects.filter(pk__in=approved).update(state=Referral.State.DELIVERED)
        cursor.execute(
            f"""INSERT INTO {_table(Delivery)} (id, programme_id, referral_id, case_id, unit_id, household_key,
                delivered_on, place, imei, verdict, recorded_by_id, recorded_at, source, client_key)
            SELECT delivery_id, %s, referral_id, case_id, unit_id, household_key, delivered_on, place, imei, verdict,
                %s, %s, %s, NULL
            FROM {DONE} ORDER BY delivery_id""",  # noqa: S608
            [programme.pk, actor.pk, now, source],
        )
        if phones:
            _cases_switched(cursor, actor, programme, now)
        items = [
            (unit, day, f"deliveries:{first}", programme.name, n) for unit, day, first, n in _per_place_and_day(cursor)
        ]
        counted = count_grouped_into_report(
            actor=actor, campaign=programme.campaign, form_code=DELIVERY_FORM, items=items
        )
        out.counted = sum(n for (_u, _d, _k, _t, n), c in zip(items, counted, strict=True) if c is not None)
        cursor.execute(f"DROP TABLE {DONE}")
        cursor.execute(f"DROP TABLE {ROWS}")
    return out


def _per_place_and_day(cursor) -> list[tuple[Unit, datetime.date, int, int]]:  # type: ignore[no-untyped-def]
    cursor.execute(
        f"SELECT unit_id, delivered_on, MIN(delivery_id), COUNT(*) FROM {DONE} GROUP BY unit_id, delivered_on "  # noqa: S608
        "ORDER BY 3"
    )
    groups = cursor.fetchall()
    units = Unit.objects.select_related("kind", "parent").in_bulk({g[0] for g in groups})
    return [(units[u], day, first, n) for u, day, first, n in groups]


# What a "switched" visit makes of its case (``rules.after_visit``), written as SQL: a visit older than the
# case's latest changes only the stage; a verified case stays verified; a number already gone from its
# operator's list is verified at once.
_OLDER = "(c.last_visit_at IS NOT NULL AND d.visited_at < c.last_visit_at)"
_KEEP = f"({_OLDER} OR c.status = %(verified)s)"
_SWITCHED_SET = f"""
    status = CASE WHEN {_KEEP} THEN c.status WHEN s.status = %(left)s THEN %(verified)s ELSE %(switched)s END,
    stage = CASE WHEN NOT {_KEEP} AND s.status = %(left)s THEN %(stage_verified)s
                 ELSE GREATEST(c.stage, %(stage_switched)s) END,
    follow_up_on = CASE WHEN {_KEEP} THEN c.follow_up_on ELSE NULL END,
    not_home = CASE WHEN {_KEEP} THEN c.not_home ELSE 0 END,
    last_visit_at = CASE WHEN {_OLDER} THEN c.last_visit_at ELSE d.visited_at END,
    last_outcome = CASE WHEN NOT {_OLDER} AND c.last_visit_at IS DISTINCT FROM d.visited_at THEN %(outcome)s
                        ELSE c.last_outcome END,
    switched_on = CASE WHEN {_KEEP} THEN c.switched_on ELSE d.delivered_on END,
    version = c.version + 1,
    changed_at = %(now)s
"""


def _cases_switched(cursor, actor: User, programme: Programme, now: datetime.datetime) -> None:  # type: ignore[no-untyped-def]
    """The delivered rows' cases moved towards "switched", each with its "switched" visit, and their counters."""
    deltas = CaseDeltas()
    case, visit, subscriber = _table(Case), _table(Visit), _table(Subscriber)
    # The cases locked (as the field work's visits lock them) and counted as they were.
    cursor.execute(
        f"""SELECT campaign_id, unit_id, team_id, status, stage, follow_up_on, COUNT(*) FROM (
            SELECT c.campaign_id, c.unit_id, c.team_id, c.status, c.stage, c.follow_up_on FROM {case} c
            WHERE c.id IN (SELECT case_id FROM {DONE}) ORDER BY c.id FOR UPDATE) x
        GROUP BY 1, 2, 3, 4, 5, 6"""  # noqa: S608
    )
    for *key, n in cursor.fetchall():
        deltas.add(tuple(key), -n)
    note = _("4G phone delivered by the programme “%(name)s”.") % {"name": programme.name}
    digest, pieces = digest_sql(note)
    params = {"verified": Status.VERIFIED, "switched": Status.SWITCHED, "left": Subscriber.Status.LEFT,
              "stage_verified": int(Stage.VERIFIED), "stage_switched": int(Stage.SWITCHED),
              "outcome": Outcome.SWITCHED, "now": now, "actor": actor.pk, "note": note, **pieces}  # fmt: skip
    # One statement: the cases moved, their visits written from what it returns, both counted by group.
    cursor.execute(
        f"""WITH changed AS (
            UPDATE {case} c SET {_SWITCHED_SET}
            FROM {DONE} d, {subscriber} s WHERE c.id = d.case_id AND s.id = c.subscriber_id
            RETURNING c.id AS case_id, c.campaign_id, c.unit_id, c.team_id, c.status, c.stage, c.follow_up_on,
                c.version, d.delivery_id, d.visit_id, d.visited_at, d.visited_iso, d.delivered_on),
        written AS (
            INSERT INTO {visit} (id, case_id, member_id, unit_id, team_id, device_id, visited_at, phone_visited_at,
                outcome, note, reason, moved_to, device_model, consent_photo, consent_location, lat, lon,
                case_version, version_after, in_conflict, digest, received_at)
            SELECT d.visit_id, d.case_id, %(actor)s, d.unit_id, d.team_id, NULL, d.visited_at, NULL, %(outcome)s,
                %(note)s, '', '', '', false, false, NULL, NULL, NULL, d.version, false, {digest}, %(now)s
            FROM changed d ORDER BY d.delivery_id)
        SELECT campaign_id, unit_id, team_id, status, stage, follow_up_on, delivered_on, COUNT(*) FROM changed
        GROUP BY 1, 2, 3, 4, 5, 6, 7""",  # noqa: S608
        params,
    )
    visits = 0
    for campaign_id, unit_id, team_id, status, stage, follow_up_on, day, n in cursor.fetchall():
        deltas.add((campaign_id, unit_id, team_id, status, stage, follow_up_on), n)
        deltas.visit(campaign_id=campaign_id, unit_id=unit_id, team_id=team_id, member_id=actor.pk, day=day, n=n)
        visits += n
    deltas.write()
    from django.db import transaction

    from switchoff.audit.services import log_action

    log_action(
        "fieldwork.visits.recorded",
        actor=actor,
        data={"visits": visits, "conflicts": 0, "found": 0, "device": None, "programme": programme.pk},
    )
    transaction.on_commit(lambda: record_visits(["created"] * visits))
