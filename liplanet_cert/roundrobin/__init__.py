"""Round robins between pilot lines (roadmap expert group EG5): proficiency-test scores after
ISO 13528 and precision after ISO 5725-2, from a results CSV or the lines' bundles.

``model`` holds the typed data every part shares; ``data`` and ``protocol`` read the inputs;
``stats`` (ISO 13528) and ``precision`` (ISO 5725-2) compute; ``analyse`` turns grouped data and a
protocol into a :class:`~liplanet_cert.roundrobin.model.RoundRobinResult`.
"""
