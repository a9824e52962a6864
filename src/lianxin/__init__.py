"""Lianxin: a self-hostable, open, interconnected instant-messaging server."""

__version__ = "0.1.0"
