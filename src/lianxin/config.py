"""Settings: embedded defaults, overridden by LIANXIN_* environment variables or CLI flags.

The defaults give a single-process server (SQLite file + in-process bus + media on disk
under ``data_dir``). A ``database_url`` of ``postgresql://`` and a ``redis_url`` switch
to the cluster backends without any other change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SmsProviderName = Literal["console", "webhook", "memory"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANXIN_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("./data")
    database_url: str | None = None
    redis_url: str | None = None
    # Namespace for Redis channels and keys: give each installation sharing a Redis its own.
    redis_prefix: str = "lx"
    # "FULL" fsyncs every commit (survives power loss); "NORMAL" survives process crashes.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # PostgreSQL connections per node: a pool kept open, plus overflow opened under load.
    # Every node can hold pool + overflow, so nodes x (pool + overflow) must stay below the
    # server's max_connections (100 by default), or bursts fail with "too many clients".
    db_pool_size: int = Field(default=20, ge=1)
    db_pool_overflow: int = Field(default=20, ge=0)

    # Phone sign-in.
    default_region: str = "US"
    sms_provider: SmsProviderName = "console"
    sms_webhook_url: str | None = None
    sms_webhook_secret: str | None = None
    code_ttl_s: int = 600
    code_max_attempts: int = 5
    code_resend_interval_s: int = 60
    code_max_per_number_per_hour: int = 5
    code_max_per_ip_per_hour: int = 30

    # Chats and messages.
    group_member_limit: int = 10_000
    text_limit: int = 4096
    recall_window_s: int = 120
    edit_window_s: int = 48 * 3600
    # Group senders hear that their messages' read counts changed at most this often per chat.
    read_counts_interval_ms: int = Field(default=1000, ge=0)
    # Link previews: the server fetches the first URL of a text message. Private, loopback,
    # link-local and other non-public addresses are refused unless listed here (CIDRs).
    link_previews: bool = True
    link_preview_allow_networks: list[str] = []
    link_preview_timeout_s: float = 5.0
    link_preview_max_bytes: int = 512 * 1024
    stranger_messages_default: bool = False

    # Pending connections the listening socket queues before accept (uvicorn's default is
    # 2048); Linux caps it at net.core.somaxconn. A reconnect storm (every device of a
    # restarted node at once) overflows a short queue: the kernel then drops SYNs and
    # clients wait out 1 s, 3 s, 7 s ... retransmissions.
    listen_backlog: int = 16384

    # Realtime gateway.
    heartbeat_s: float = 25.0
    idle_timeout_s: float = 75.0
    session_queue_frames: int = 2048
    max_frame_bytes: int = 64 * 1024
    catchup_page: int = 100
    catchup_max_per_chat: int = 500
    # Hellos resumed at once per node (authenticate, routing, sync, catch-up); the rest
    # wait their turn in arrival order, so a reconnect storm finishes the early ones early.
    resume_concurrency: int = 32
    # WebSocket connections this process holds at most; past it a new socket is refused
    # with 503 (clients go to another node). Default: what the open-files limit allows
    # (``fdlimit.server_capacity``); ``lianxin serve`` refuses to start if this is above it.
    max_connections: int | None = Field(default=None, ge=1)

    # Contacts and discovery. The secret keys address-book hashes; every node of a cluster
    # needs the same one (default: a random key kept in data_dir/contacts.key).
    contacts_secret: str | None = None
    public_url: str | None = None  # e.g. https://chat.example.org: QR codes link there
    addressbook_max_per_request: int = 5000
    addressbook_max_entries: int = 10_000
    addressbook_new_per_day: int = 10_000
    qr_group_ttl_s: int = 7 * 86_400
    qr_login_ttl_s: int = 120
    # People nearby: a shared (rounded) position is forgotten after nearby_ttl_s; lists
    # reach nearby_radius_m. Reports: at most reports_per_hour per reporter.
    nearby_ttl_s: int = Field(default=2 * 3600, gt=0)
    nearby_radius_m: int = Field(default=10_000, gt=0, le=50_000)
    # Moving one's shared position is limited per account (refreshing it in place is not),
    # so a tool cannot triangulate others by re-sharing from many points.
    nearby_moves_per_hour: int = Field(default=20, gt=0)
    reports_per_hour: int = Field(default=20, gt=0)

    # Bots (docs/bots.md). Rate limits are per bot, shared by every node.
    bot_msgs_per_s: int = 30
    bot_chat_msgs_per_min: int = 60
    bot_poll_timeout_max_s: int = 50
    # Webhooks: private / loopback / link-local targets only when an operator allows them.
    webhook_allow_private: bool = False
    webhook_timeout_s: float = 10.0
    webhook_retry_max_s: int = 3600  # then the update is parked as a dead letter
    webhook_backoff_max_s: int = 60
    webhook_poll_interval_s: float = 1.0

    # Media (photos, voice, video, files). Blobs live under data_dir/media ("local") or in
    # an S3-compatible bucket ("s3", for clusters). The secret signs short-lived download
    # URLs; every node of a cluster needs the same one (default: data_dir/media.key).
    media_backend: Literal["local", "s3"] = "local"
    media_s3_endpoint: str | None = None
    media_s3_bucket: str | None = None
    media_s3_access_key: str | None = None
    media_s3_secret_key: str | None = None
    media_s3_region: str = "us-east-1"
    media_s3_prefix: str = ""
    media_secret: str | None = None
    media_url_ttl_s: int = 3600
    media_photo_max_bytes: int = 20 * 1024 * 1024
    media_photo_max_pixels: int = 50_000_000
    media_photo_max_frames: int = 500
    media_voice_max_bytes: int = 2 * 1024 * 1024
    media_voice_max_s: int = 60
    media_video_max_bytes: int = 100 * 1024 * 1024
    media_file_max_bytes: int = 500 * 1024 * 1024
    media_quota_bytes: int = 2 * 1024 * 1024 * 1024
    media_chunk_max_bytes: int = 8 * 1024 * 1024
    media_upload_ttl_s: int = 86_400
    media_view_once_ttl_s: int = 86_400
    media_sweep_interval_s: float = 600.0
    # ffmpeg/ffprobe read video posters and durations and decode WebM/M4A voice notes;
    # an empty value (or a missing binary) turns that off (see docs/operations.md).
    media_ffmpeg: str = "ffmpeg"
    media_ffprobe: str = "ffprobe"

    # Official accounts: each broadcast is sent at most this many messages per second; a
    # node holds a broadcast job by a lease that lapses (another node resumes) if it dies.
    official_broadcast_rate: float = Field(default=50.0, gt=0)
    official_broadcast_lease_s: float = Field(default=30.0, gt=0)
    official_broadcast_poll_s: float = Field(default=1.0, gt=0)

    log_level: str = "info"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "lianxin.db"

    @property
    def effective_database_url(self) -> str:
        """SQLAlchemy async URL for the configured database."""
        url = self.database_url
        if not url:
            return f"sqlite+aiosqlite:///{self.sqlite_path}"
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")
