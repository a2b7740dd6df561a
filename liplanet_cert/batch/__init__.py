"""Re-assessing many bundles: discovery, cache keys, workers, the result store, status changes.

One concept per module; data flows down this list (each module imports only those above it):

- :mod:`~liplanet_cert.batch.options` — :class:`BatchOptions` and their checks;
- :mod:`~liplanet_cert.batch.discover` — finding the bundles in the PATHs (what is a bundle, what is skipped);
- :mod:`~liplanet_cert.batch.keys` — the cache keys that decide whether a stored result is reused;
- :mod:`~liplanet_cert.batch.store` — reading a run back: results.jsonl lines, confined result files, ``iter_entries``;
- :mod:`~liplanet_cert.batch.timelimit` — the time limit of one bundle;
- :mod:`~liplanet_cert.batch.worker` — assessing one bundle in a worker, its failures contained;
- :mod:`~liplanet_cert.batch.pool` — the process pool, a worker that dies, interruption;
- :mod:`~liplanet_cert.batch.changes` — status changes against an earlier run (``--previous``);
- :mod:`~liplanet_cert.batch.output` — the line files a run streams (results.jsonl, summary.csv, changes.csv);
- :mod:`~liplanet_cert.batch.summary` — what a run did (summary.json) and its tally;
- :mod:`~liplanet_cert.batch.run` — :func:`run_batch`: the orchestration and the ``--out`` lock;
- :mod:`~liplanet_cert.batch.warm` — the fork server's warm-up.
"""
