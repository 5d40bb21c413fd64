"""Log in with a username or a phone number."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from switchoff.lib.phones import normalize_phone
from switchoff.people.models import User


def find_login_user(identifier: str) -> User | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    user = User.objects.filter(username__iexact=identifier).first()
    if user is None:
        phone = normalize_phone(identifier)
        if phone:
            user = User.objects.filter(phone=phone).first()
    return user


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        user = find_login_user(username)
        if user is None:
            # Spend the same time as a real check, so that timing does not
            # tell which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
