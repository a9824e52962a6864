"""``lianxin bench``: drive a real workload through the real protocol and measure it.

The bench seeds users straight into the database (the operator path, no SMS codes),
starts ``lianxin serve`` as a separate process unless ``--url`` points at running
servers (several for a cluster; ``--cluster N`` starts N nodes on PostgreSQL + Redis),
runs the load generators as separate worker processes that speak WebSocket +
REST through :mod:`lianxin.client`, and reports throughput, latency percentiles,
lost / duplicated messages and the CPU time of the server and of the generators.

Modules: ``proc`` (the server process, /proc sampling, fd limits), ``cluster`` (nodes on
a temporary PostgreSQL database and Redis prefix), ``seed`` (bulk users,
friendships, groups), ``workers`` (the load generators, one ``run_*`` per scenario),
``runner`` (orchestration and results), ``report`` (percentiles and the table).
"""

from lianxin.bench.runner import SCENARIOS, BenchOptions, run_bench

__all__ = ["SCENARIOS", "BenchOptions", "run_bench"]
