"""Fan-out and presence across nodes: an in-process bus and a Redis bus, one interface."""

from lianxin.bus.base import Bus, Handler
from lianxin.bus.memory import MemoryBus


def create_bus(redis_url: str | None, *, prefix: str = "lx") -> Bus:
    if redis_url:
        from lianxin.bus.redis import RedisBus

        return RedisBus(redis_url, prefix=prefix)
    return MemoryBus()


__all__ = ["Bus", "Handler", "MemoryBus", "create_bus"]
