import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import metrics
from .forms import NoteForm
from .models import Note
from .pdf import notes_pdf
from .tasks import count_words

logger = logging.getLogger(__name__)


def database_reachable():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.warning("health check: database unreachable: %s", error)
        return False


@require_GET
def healthz(_request):
    db_ok = database_reachable()
    return JsonResponse(
        {
            "status": "ok" if db_ok else "error",
            "version": settings.APP_VERSION,
            "database": "ok" if db_ok else "unreachable",
        },
        status=200 if db_ok else 503,
    )


@require_GET
def version(request):
    # ?wait=N holds the answer N seconds, at most SLOW_REQUEST_MAX_SECONDS (default 0:
    # never): deploy-kit's zero-downtime tests show a request in flight during a switch
    # still completes.
    try:
        wait = float(request.GET.get("wait", "0"))
    except ValueError:
        wait = 0.0
    wait = min(max(wait, 0.0), settings.SLOW_REQUEST_MAX_SECONDS)
    if wait > 0:
        time.sleep(wait)
    return JsonResponse({"version": settings.APP_VERSION})


@require_GET
def metrics_view(request):
    presented = metrics.bearer_token(request.META.get("HTTP_AUTHORIZATION"))
    if presented is None:
        response = HttpResponse("bearer token required\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not metrics.token_matches(presented, settings.METRICS_TOKEN):
        return HttpResponse("forbidden\n", status=403)
    db_ok = database_reachable()
    body = metrics.render(
        settings.APP_VERSION, Note.objects.count() if db_ok else 0, db_ok
    )
    return HttpResponse(body, content_type="text/plain; version=0.0.4")


@require_GET
def note_list(request):
    return render(
        request,
        "notes/note_list.html",
        {"notes": Note.objects.all()[:50], "form": NoteForm()},
    )


@login_required
@require_http_methods(["POST"])
def note_create(request):
    form = NoteForm(request.POST)
    if not form.is_valid():
        notes = Note.objects.all()[:50]
        context = {"notes": notes, "form": form}
        return render(request, "notes/note_list.html", context, status=400)
    note = form.save()
    # Queue only once the row is committed, or the worker may not see it.
    transaction.on_commit(lambda: count_words.delay(note.pk))
    return redirect("note-list")


@login_required
@require_GET
def note_export_pdf(_request):
    titles = list(Note.objects.values_list("title", flat=True)[:50])
    response = HttpResponse(notes_pdf(titles), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="notes.pdf"'
    return response
