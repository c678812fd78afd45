"""Rule- and fuzzy-matching natural-language understanding for the booking assistant.

Understands Russian and English messages with typos, case endings and numbers
written in words, without an LLM::

    from booking_mcp.nlu import Catalogue, CatalogItem, recognize

    catalogue = Catalogue(specialists=(CatalogItem(1, "Анна Иванова", ("Мастер маникюра",)),))
    recognize("запишите меня к Анне завтра в 15:30", catalogue)
    # Recognition(intent='book_appointment', entities={'specialist_id': 1, ...}, ...)

Modules: ``text`` (normalisation, lemmas, fuzzy compare), ``numbers`` (numerals),
``dates`` (dates/times and their documented defaults), ``catalogue_match``,
``intents`` (keyword tables), ``recognizer`` (the pipeline), ``evaluate``
(accuracy over a labelled table).
"""

from .models import ENTITY_KEYS, INTENTS, CatalogItem, Catalogue, Recognition
from .recognizer import recognize
from .text import detect_language

__all__ = [
    "ENTITY_KEYS",
    "INTENTS",
    "CatalogItem",
    "Catalogue",
    "Recognition",
    "detect_language",
    "recognize",
]
