"""The WebSocket gateway: one hub per node, one session per connection.

A session is a reader loop plus a writer task draining a bounded queue. Fan-out only
ever does ``put_nowait``; a session whose queue overflows is closed with code 4008 and
resumes on reconnect, so a slow client can never grow server memory without bound.
"""
