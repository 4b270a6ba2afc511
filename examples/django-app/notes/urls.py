from django.urls import path

from . import views

urlpatterns = [
    path("", views.note_list, name="note-list"),
    path("notes/new", views.note_create, name="note-create"),
    path("notes/export.pdf", views.note_export_pdf, name="note-export-pdf"),
    # Normally answered by ProbeMiddleware; routed here too for reverse().
    path("healthz", views.healthz, name="healthz"),
    path("version", views.version, name="version"),
    path("metrics", views.metrics_view, name="metrics"),
]
