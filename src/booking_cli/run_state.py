"""Where a running ``booking run`` serves, kept in a small file so ``booking chat`` finds it.

``booking run`` writes ``.booking-run.json`` in the folder it was started in (beside the
embedded database ``booking.sqlite3`` and the service account file) once its parts answer, and
removes it when it stops. ``booking chat`` started in the same folder reads it; a file left by
a run that was killed is recognised by its process id and ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RUN_STATE = Path(".booking-run.json")


@dataclass(frozen=True)
class RunState:
    pid: int
    """The ``booking run`` process."""
    api_url: str
    """The REST API's base, ending in ``/api``."""
    mcp_url: str
    """The MCP server's streamable HTTP endpoint, ending in ``/mcp``."""


def write(state: RunState, path: Path = RUN_STATE) -> None:
    path.write_text(json.dumps(asdict(state), indent=1) + "\n")


def read(path: Path = RUN_STATE) -> RunState | None:
    """The state of the ``booking run`` serving from this folder; ``None`` when there is none."""
    try:
        state = RunState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return state if _alive(state.pid) else None


def remove(pid: int, path: Path = RUN_STATE) -> None:
    """Remove the file if it is this run's (another run may have started here since)."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        if json.loads(path.read_text()).get("pid") == pid:
            path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    except OSError:
        return False
    return True
