"""The multi-turn booking conversation behind ``process_message`` (and ``POST /process``).

Each call takes one user message, loads the conversation's state (stored in the API's
``dialog-contexts`` for the service account, so it survives restarts and expires after
``DIALOG_TTL_SECONDS``), understands the message, asks only for what is still missing, and
saves the state again. Nothing is booked, cancelled or moved before the user confirms.

* :mod:`.state`: what is remembered between messages (typed, versioned);
* :mod:`.engine`: one turn (commands of the buttons, free text);
* :mod:`.acts`: dialog acts of free text (choosing, correcting, leaving …) and routing;
* :mod:`.flows`: booking (:mod:`.flows.book`), cancelling, rescheduling, listings
  (:mod:`.flows.manage`);
* :mod:`.questions`: price, duration, who a specialist is, which days they work;
* :mod:`.registration`: the client's name and phone number before the first booking;
* :mod:`.render`: the reply's texts and actions (the shared reply protocol of
  :mod:`booking_common.conversation`, which the Telegram bot reads too).
"""

from booking_mcp.dialog.engine import Dialog
from booking_mcp.dialog.state import STATE_VERSION, DialogState

__all__ = ["STATE_VERSION", "Dialog", "DialogState"]
