import pytest

from notes.models import Note
from notes.tasks import count_notes, count_words

pytestmark = pytest.mark.django_db


def test_list_shows_notes_newest_first(client):
    Note.objects.create(title="older note")
    Note.objects.create(title="newer note")
    response = client.get("/", secure=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("newer note") < body.index("older note")
    assert '<span id="app-version">9.9.9-test</span>' in body
    assert "/static/notes/site.css" in body


def test_empty_list(client):
    assert "No notes yet." in client.get("/", secure=True).content.decode()


def test_login_page_renders_a_form(client):
    response = client.get("/login/", secure=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body and 'name="password"' in body
    assert "csrfmiddlewaretoken" in body


def test_login_journey(client, user):
    response = client.post(
        "/login/",
        {"username": "journey", "password": "correct horse battery staple"},
        secure=True,
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/", secure=True)
    assert page.context["user"].is_authenticated
    assert '<span class="who">journey</span>' in page.content.decode()


def test_wrong_password_stays_on_login(client, user):
    response = client.post(
        "/login/", {"username": "journey", "password": "nope"}, secure=True
    )
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_anonymous_cannot_create(client):
    response = client.post("/notes/new", {"title": "x"}, secure=True)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Note.objects.count() == 0


def test_create_note_queues_word_count(
    client, user, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/notes/new",
            {"title": "three word title", "body": "and a body"},
            secure=True,
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    note = Note.objects.get()
    assert note.word_count == 6


def test_invalid_note_is_400(client, user):
    client.force_login(user)
    response = client.post("/notes/new", {"title": ""}, secure=True)
    assert response.status_code == 400
    assert Note.objects.count() == 0


def test_tasks():
    note = Note.objects.create(title="a b", body="c")
    assert count_words(note.pk) == 3
    assert count_words(note.pk + 1000) is None
    assert count_notes() == 1
