import json

import pytest


@pytest.mark.django_db
def test_healthz_reports_ok_version_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "version": "9.9.9-test",
        "database": "ok",
    }
    assert response["X-App-Version"] == "9.9.9-test"


@pytest.mark.django_db
def test_probes_answer_plain_http_with_any_host(client):
    # A container health check hits http://127.0.0.1:PORT: no HTTPS redirect,
    # no DisallowedHost although 127.0.0.1 is not in ALLOWED_HOSTS.
    for path in ("/healthz", "/version"):
        response = client.get(path, HTTP_HOST="127.0.0.1:8000")
        assert response.status_code == 200, path


def test_other_paths_still_validate_the_host(client):
    response = client.get("/", HTTP_HOST="evil.example", secure=True)
    assert response.status_code == 400


def test_version_endpoint(client):
    response = client.get("/version")
    assert response.json() == {"version": "9.9.9-test"}
    assert response["X-App-Version"] == "9.9.9-test"


def test_probes_are_read_only(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_when_the_database_is_unreachable(manage, tmp_path):
    # A real unreachable database: a SQLite file in a directory that does not exist.
    script = (
        "import django, json; django.setup(); "
        "from django.test import Client; "
        "r = Client().get('/healthz', HTTP_HOST='127.0.0.1'); "
        "print(r.status_code, r.content.decode())"
    )
    result = manage(
        "shell",
        "-c",
        script,
        extra_env={"DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3"},
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "error",
        "version": "7.7.7-child",
        "database": "unreachable",
    }


def test_version_wait_is_off_unless_allowed(client, settings, monkeypatch):
    # /version?wait=N (deploy-kit's in-flight request during a switch) sleeps at most
    # SLOW_REQUEST_MAX_SECONDS, which defaults to 0: never.
    slept = []
    monkeypatch.setattr("notes.views.time.sleep", slept.append)
    assert client.get("/version?wait=5").status_code == 200
    assert slept == []
    settings.SLOW_REQUEST_MAX_SECONDS = 2
    assert client.get("/version?wait=5").status_code == 200
    assert client.get("/version?wait=nonsense").status_code == 200
    assert slept == [2]
