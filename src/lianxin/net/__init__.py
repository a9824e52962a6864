"""Outbound HTTP on behalf of users (link previews), guarded against SSRF."""
