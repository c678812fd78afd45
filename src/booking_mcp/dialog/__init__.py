"""The multi-turn booking conversation behind ``process_message`` (and ``POST /process``).

Each call takes one user message, loads the conversation's state (stored in the API's
``dialog-contexts`` for the service account, so it survives restarts and expires after
``DIALOG_TTL_SECONDS``), understands the message, asks only for what is still missing, and
saves the state again. Nothing is booked, cancelled or moved before the user confirms.

* :mod:`.state`: what is remembered between messages (typed, versioned);
* :mod:`.engine`: one turn (commands of the buttons, free text, routing);
* :mod:`.flows`: booking, cancelling, rescheduling, listings;
* :mod:`.render`: the reply's texts and actions (the shared reply protocol of
  :mod:`booking_common.conversation`, which the Telegram bot reads too).
"""

from booking_mcp.dialog.engine import Dialog
from booking_mcp.dialog.state import STATE_VERSION, DialogState

__all__ = ["STATE_VERSION", "Dialog", "DialogState"]
