import logging

from celery import shared_task

from .models import Note

logger = logging.getLogger(__name__)


@shared_task
def count_words(note_id):
    note = Note.objects.filter(pk=note_id).first()
    if note is None:
        return None
    note.word_count = len(f"{note.title} {note.body}".split())
    note.save(update_fields=["word_count"])
    return note.word_count


@shared_task
def count_notes():
    total = Note.objects.count()
    logger.info("notes in database: %d", total)
    return total
