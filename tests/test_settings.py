from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from switchoff.lib.text import fold

ROOT = Path(__file__).resolve().parent.parent


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    hidden = {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "SWITCHOFF_SINGLE_MACHINE", "LOG_FORMAT"}
    clean = {k: v for k, v in os.environ.items() if k not in hidden and not k.startswith("STORAGE_S3_")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='switchoff.settings'; django.setup()",
        ],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_fails_clearly(tmp_path: Path) -> None:
    result = start({"SWITCHOFF_ENV": "production", "SWITCHOFF_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_malformed_boolean_fails_clearly(tmp_path: Path) -> None:
    result = start({"DEBUG": "maybe", "SWITCHOFF_VAR_DIR": str(tmp_path)})
    assert "DEBUG='maybe' is not a yes/no value" in result.stderr


def production(tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "SWITCHOFF_ENV": "production",
        "SWITCHOFF_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "switchoff.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        **more,
    }


SHARED = {"REDIS_URL": "redis://127.0.0.1:6379/8", "STORAGE_S3_BUCKET": "switchoff"}


def test_production_with_its_variables_starts(tmp_path: Path) -> None:
    result = start(production(tmp_path, **SHARED))
    assert result.returncode == 0, result.stderr


def test_production_without_redis_refuses_to_start_naming_the_variable(tmp_path: Path) -> None:
    result = start(production(tmp_path, STORAGE_S3_BUCKET="switchoff"))
    assert result.returncode != 0
    assert "REDIS_URL is required in production" in result.stderr
    assert "SWITCHOFF_SINGLE_MACHINE=1" in result.stderr


def test_production_without_object_storage_refuses_to_start_naming_the_variable(tmp_path: Path) -> None:
    result = start(production(tmp_path, REDIS_URL="redis://127.0.0.1:6379/8"))
    assert result.returncode != 0
    assert "STORAGE_S3_BUCKET is required in production" in result.stderr
    assert "SWITCHOFF_SINGLE_MACHINE=1" in result.stderr
    neither = start(production(tmp_path))
    assert "REDIS_URL and STORAGE_S3_BUCKET are required in production" in neither.stderr


def test_production_on_one_machine_says_so_and_starts_without_redis(tmp_path: Path) -> None:
    result = start(production(tmp_path, SWITCHOFF_SINGLE_MACHINE="1"))
    assert result.returncode == 0, result.stderr


def test_development_needs_no_redis(tmp_path: Path) -> None:
    assert start({"SWITCHOFF_VAR_DIR": str(tmp_path)}).returncode == 0


def test_an_unknown_log_format_fails_clearly(tmp_path: Path) -> None:
    result = start({"SWITCHOFF_VAR_DIR": str(tmp_path), "LOG_FORMAT": "xml"})
    assert "LOG_FORMAT='xml': use json or plain." in result.stderr


def test_argon2_is_the_production_hasher() -> None:
    source = (ROOT / "switchoff" / "settings.py").read_text()
    assert source.index("Argon2PasswordHasher") < source.index("PBKDF2PasswordHasher")


@given(
    st.text(
        alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ĐÂĂ",
        max_size=40,
    )
)
def test_fold_gives_plain_lowercase_ascii(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert folded == fold(folded)
    assert "  " not in folded


def test_fold_known_names() -> None:
    assert fold("Phường Hoàng Văn Thụ") == "phuong hoang van thu"
    assert fold("ĐÔNG  Kinh") == "dong kinh"
