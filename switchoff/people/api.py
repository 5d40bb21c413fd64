from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from switchoff.people.models import Membership, User

router = Router()


class MembershipOut(Schema):
    unit_id: int
    unit_name: str
    role: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    language: str
    memberships: list[MembershipOut]


@router.get("", response=MeOut, summary="The caller and their roles")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.user  # type: ignore[assignment]
    memberships = Membership.objects.filter(user=user).select_related("unit")
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "language": user.language,
        "memberships": [{"unit_id": m.unit_id, "unit_name": m.unit.name, "role": m.role} for m in memberships],
    }
