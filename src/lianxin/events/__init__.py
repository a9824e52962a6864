"""Events: born in actions after commit, encoded once, fanned out by the bus.

``envelope`` is the bus wire format (a small routing header + the client frame bytes);
``publish`` sends frames (shaped by ``actions.views``) to chat topics (``c.<chat>``) or
user topics (``u.<user>``).
"""
