"""bench.py's scenarios, one module each; each module's run(suite) measures one and reports it through the suite
(suite.table, suite.results, suite.notes). Names (for --only/--skip) in the order they run."""

from scenarios import burst, cold, density, http_trigger, invoke, payload

SCENARIOS = [
    ('http', http_trigger.run),
    ('invoke', invoke.run),
    ('payload', payload.run),
    ('cold', cold.run),
    ('burst', burst.run),
    ('density', density.run),  # last: it stops the main Nimbus
]
