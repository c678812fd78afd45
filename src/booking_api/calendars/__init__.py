"""Calendar feeds: an iCalendar feed per specialist and per client behind a secret link its
owner can rotate, and one booking's .ics ("add to calendar"). Documents: :mod:`.ics`; routes:
:mod:`.routes`; the admin's page of links: :mod:`.admin`."""
