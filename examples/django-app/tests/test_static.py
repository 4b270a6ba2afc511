import json

from django.core.management import call_command


def test_collectstatic_writes_hashed_compressed_css(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)
    settings.STATICFILES_STORAGE = (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["notes/site.css"]
    assert hashed != "notes/site.css" and hashed.endswith(".css")
    assert (tmp_path / hashed).read_text().startswith("/* The one stylesheet")
    assert (tmp_path / (hashed + ".gz")).exists()


def test_stylesheet_is_served(client):
    response = client.get("/static/notes/site.css", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
