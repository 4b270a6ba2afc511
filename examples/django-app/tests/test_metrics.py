import pytest
from django.conf import settings

from notes import metrics
from notes.models import Note


def test_metrics_without_token_is_401(client):
    response = client.get("/metrics", secure=True)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_with_another_scheme_is_401(client):
    response = client.get(
        "/metrics", secure=True, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"
    )
    assert response.status_code == 401


def test_metrics_with_wrong_token_is_403(client):
    response = client.get(
        "/metrics", secure=True, HTTP_AUTHORIZATION="Bearer not-the-token"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_metrics_with_token(client):
    Note.objects.create(title="one")
    Note.objects.create(title="two")
    response = client.get(
        "/metrics",
        secure=True,
        HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert 'django_app_info{version="9.9.9-test"} 1' in body
    assert "django_app_notes 2" in body
    assert "django_app_database_up 1" in body


def test_unset_token_refuses_everything(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", secure=True, HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 401
    response = client.get("/metrics", secure=True, HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 403


def test_bearer_token_parsing():
    assert metrics.bearer_token("Bearer abc") == "abc"
    assert metrics.bearer_token("bearer  abc ") == "abc"
    assert metrics.bearer_token("Basic abc") is None
    assert metrics.bearer_token(None) is None


def test_label_values_are_escaped():
    body = metrics.render('1.0"\n', 0, False)
    assert 'django_app_info{version="1.0\\"\\n"} 1' in body
    assert "django_app_database_up 0" in body
