"""The handful of dependencies actions need, passed explicitly (no service locator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lianxin.bus import Bus
from lianxin.clock import Clock
from lianxin.config import Settings
from lianxin.media.storage import BlobStore
from lianxin.sms import SmsProvider
from lianxin.store.db import Database

if TYPE_CHECKING:
    from lianxin.actions.read_counts import ReadCountNotifier
    from lianxin.actions.send_batch import SendBatcher


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    bus: Bus
    sms: SmsProvider
    clock: Clock
    # Media blobs; None where no media is served (CLI commands, bench seeding).
    media: BlobStore | None = None
    # Live group read counts for senders; None where no gateway runs (CLI, bench seeding).
    read_counts: ReadCountNotifier | None = None
    # Plain text sends from sessions, stored a batch at a time; None: each send on its own
    # (PostgreSQL, and where no gateway runs).
    sends: SendBatcher | None = None
