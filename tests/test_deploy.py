"""The deployment recipe under deploy/: the compose file, the systemd units, nginx, gunicorn's settings and the
production requirements, each checked for what a deployer relies on. (Docker cannot run here: the compose file
is read as YAML and its services checked, not started.)"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DEV_TOOLS = {"pytest", "playwright", "locust", "mypy", "ruff", "schemathesis", "hypothesis", "factory-boy",
             "django-stubs", "pytest-django", "pytest-xdist", "pip-tools"}  # fmt: skip


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_compose_file_runs_every_piece_with_one_image() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "minio", "migrate", "app", "worker", "scheduler", "nginx"} <= set(services)
    ours = ("migrate", "app", "worker", "scheduler")
    assert len({services[s]["image"] for s in ours}) == 1
    assert all(services[s]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"} for s in ours)
    assert (DEPLOY / "Dockerfile").is_file()
    # N app servers and M workers, set by variables; one scheduler, the periodic tasks on their own queue.
    assert services["app"]["deploy"]["replicas"] == "${APP_REPLICAS:-2}"
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-2}"
    assert services["scheduler"]["deploy"]["replicas"] == 1
    assert "--no-periodic" in services["worker"]["command"]
    assert services["scheduler"]["command"][:3] == ["python", "manage.py", "run_scheduler"]
    # A worker stopped hands its jobs back at once (SIGTERM); the scheduler finishes its short task (SIGINT).
    assert (services["worker"]["stop_signal"], services["scheduler"]["stop_signal"]) == ("SIGTERM", "SIGINT")
    assert services["app"]["command"] == ["gunicorn", "switchoff.wsgi", "-c", "deploy/gunicorn.conf.py"]
    assert "/health/live" in " ".join(services["app"]["healthcheck"]["test"])
    # Migrations first: nothing of ours starts before they completed.
    for name in ("app", "worker", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    # Shared services, production, and nginx as the one trusted proxy.
    for name in ours:
        env = services[name]["environment"]
        assert env["SWITCHOFF_ENV"] == "production"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["TRUSTED_PROXIES"] == services["nginx"]["networks"]["switchoff"]["ipv4_address"]
    mounted = services["nginx"]["volumes"][0].split(":")[0]
    assert (DEPLOY / mounted).resolve() == DEPLOY / "nginx" / "compose.conf"
    declared = set(compose()["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith((".", "$")) or source in declared, source


def test_every_variable_the_compose_file_needs_is_in_the_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_0-9]+):\?", text))
    example = set(re.findall(r"^#? ?([A-Z_0-9]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    assert required and required <= example, required - example


def unit(name: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_systemd_units_run_the_app_the_workers_and_one_scheduler() -> None:
    web, worker, scheduler = (
        unit("switchoff-web.service"),
        unit("switchoff-worker.service"),
        unit("switchoff-scheduler.service"),
    )
    assert web["ExecStart"] == ["/srv/switchoff/.venv/bin/gunicorn switchoff.wsgi -c deploy/gunicorn.conf.py"]
    assert "PROMETHEUS_MULTIPROC_DIR=/run/switchoff-web" in web["Environment"][0]
    assert web["RuntimeDirectory"] == ["switchoff-web"]  # emptied at each start
    assert "run_huey --no-periodic" in worker["ExecStart"][0]
    assert "manage.py run_scheduler" in scheduler["ExecStart"][0]
    for each in (web, worker, scheduler):
        assert each["EnvironmentFile"] == ["/etc/switchoff/switchoff.env"]
        assert each["User"] == ["switchoff"] and each["Restart"] == ["always"]
    assert (worker["KillSignal"], scheduler["KillSignal"]) == (["SIGTERM"], ["SIGINT"])
    backup = unit("switchoff-backup.service")
    assert backup["ExecStart"] == ["/bin/bash deploy/backup.sh"]
    assert unit("switchoff-backup.timer")["OnCalendar"]


def nginx_size(text: str) -> int:
    (value,) = re.findall(r"client_max_body_size\s+(\d+)m;", text)
    return int(value) * 1024 * 1024


def test_nginx_passes_the_proxy_headers_and_uploads_up_to_the_apps_limit() -> None:
    for name in ("switchoff.conf", "compose.conf"):
        text = (DEPLOY / "nginx" / name).read_text()
        assert "listen 443 ssl" in text and "ssl_certificate " in text and "return 301 https://" in text
        for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme",
                       "X-Request-ID $request_id", "Host $host"):  # fmt: skip
            assert f"proxy_set_header {header};" in text, (name, header)
        # Room for the largest list plus the form around it, so that the app (not nginx) names the limit.
        assert settings.UPLOAD_MAX_BYTES < nginx_size(text) <= settings.UPLOAD_MAX_BYTES * 1.1
        assert '"request_id":"$request_id"' in text and "$request_uri" not in text.split("log_format")[1].split(";")[0]
    assert "location /static/" in (DEPLOY / "nginx" / "switchoff.conf").read_text()


def pins(lock: Path) -> dict[str, str]:
    return {
        name.lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", lock.read_text(), re.MULTILINE)
    }


def test_the_production_set_pins_what_the_tests_ran_and_no_development_tool() -> None:
    prod, main = pins(ROOT / "requirements-prod.lock"), pins(ROOT / "requirements.lock")
    assert prod and all(main.get(name) == version for name, version in prod.items()), {
        n: (v, main.get(n)) for n, v in prod.items() if main.get(n) != v
    }
    assert not DEV_TOOLS & set(prod), DEV_TOOLS & set(prod)
    assert "--hash=sha256:" in (ROOT / "requirements-prod.lock").read_text()


def _imports(path: Path) -> set[str]:
    """The top-level modules a file imports when it runs (what only type checkers read is left out)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_every_runtime_import_is_satisfied_by_the_production_set() -> None:
    files = [p for p in (ROOT / "switchoff").rglob("*.py") if p.name != "test_settings.py"]
    files.append(DEPLOY / "gunicorn.conf.py")
    modules = set().union(*(_imports(p) for p in files)) - set(sys.stdlib_module_names) - {"switchoff", "__future__"}
    distributions = importlib.metadata.packages_distributions()
    prod = set(pins(ROOT / "requirements-prod.lock"))
    missing = {}
    for module in sorted(modules):
        names = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(module, [])}
        if not names & prod:
            missing[module] = sorted(names)
    assert not missing, f"imported at run time but not in requirements-prod.lock: {missing}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_gunicorn_counts_every_workers_requests_and_logs_in_utc(tmp_path: Path) -> None:
    """gunicorn with deploy/gunicorn.conf.py and two workers: /metrics counts the requests whichever worker took
    them, and the master's lines, the workers' and the app's are all JSON in UTC (the master used to log in UTC and
    its workers in +07:00)."""
    port, token = free_port(), "t" * 40
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        SWITCHOFF_VAR_DIR=str(tmp_path / "var"), SWITCHOFF_ENV="development", LOG_FORMAT="json", METRICS_TOKEN=token,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
    )  # fmt: skip
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_1.db").write_bytes(b"left by an earlier run")
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "switchoff.wsgi", "-c",
                                   "deploy/gunicorn.conf.py"], cwd=ROOT, env=env, stdout=out, stderr=out)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/health/live", timeout=2)  # noqa: S310 (our own server)
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(30):
            with urllib.request.urlopen(f"{base}/health/live", timeout=5) as answer:  # noqa: S310
                assert answer.status == 200
        request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            body = answer.read().decode()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    (line,) = [x for x in body.splitlines() if x.startswith("django_http_requests_total_by_method_total{")]
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
    # Every request the workers logged (the probes while they started, 30 more, and this scrape), whichever
    # worker took it, and nothing of the earlier run's file.
    requests = [x for x in lines if x["logger"] == "switchoff.request"]
    assert len(requests) >= 32 and all(x["request_id"] for x in requests)
    assert float(line.rsplit(" ", 1)[1]) == len(requests), line
    loggers = {x["logger"] for x in lines}
    assert {"gunicorn.error", "switchoff.request"} <= loggers
    assert any("Booting worker" in x["message"] for x in lines) and any("Listening at" in x["message"] for x in lines)
    assert all(x["time"].endswith("+00:00") for x in lines)


def test_the_readme_names_every_variable_the_code_and_the_recipe_read() -> None:
    read = set(re.findall(r'env_[a-z]+\("([A-Z_0-9]+)"', (ROOT / "switchoff" / "settings.py").read_text()))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_0-9]+)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    for script in ("backup.sh", "restore.sh", "upgrade.sh", "compose.yaml"):
        read |= set(re.findall(r"\$\{([A-Z_0-9]+)[:}]", (DEPLOY / script).read_text()))
    section = (ROOT / "README.md").read_text().split("## Running it for real")[1]
    named = set(re.findall(r"`([A-Z_0-9]+)`", section))
    assert not read - named, f"README.md, Running it for real, does not name: {sorted(read - named)}"
