"""The staff board and the home dashboard of the admin: what they show, and the changes
made from the board through the API's own booking services (``service.py``); their SQL
(``repository.py``). The admin serves them (``admin/views/board.py``, ``admin/site.py``)."""
