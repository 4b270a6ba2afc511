import re

import pytest

from notes.models import Note
from notes.pdf import notes_pdf

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get("/notes/export.pdf", secure=True)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_export_is_a_pdf_listing_the_notes(client, user):
    Note.objects.create(title="first (draft)")
    client.force_login(user)
    response = client.get("/notes/export.pdf", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="notes.pdf"'
    assert response.content.startswith(b"%PDF-1.4\n")
    assert b"(- first \\(draft\\)) Tj" in response.content


def test_pdf_cross_reference_offsets_point_at_the_objects():
    data = notes_pdf(["a", "b"])
    assert data.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[startxref:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data)
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj\n" % number)
