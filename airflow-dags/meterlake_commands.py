"""The commands Meterlake's scheduled tasks run, and how they read the results.

Standard library only: the DAG files import it inside their task callables, and the tests in
tests/ import it without a scheduler installed. Every task id of both DAGs maps to one function
here that returns the exact argument list the task runs, so what the tests execute against the
real CLI is what the scheduler would execute.

Settings: one JSON Variable, ``meterlake`` (see DEFAULTS and airflow-dags/README.md). The period
always comes from the run's data interval, never from the clock.
"""

import json
import subprocess
import time
from datetime import datetime

VARIABLE = "meterlake"

# Exit codes of the CLI and of its Spark jobs (Jobs) under spark-submit.
OK = 0
NOT_READY = 75

DEFAULTS = {
    # How batch commands are launched: spark-submit of the application jar. Arguments follow.
    "submit": [
        "spark-submit",
        "--properties-file", "/opt/meterlake/conf/spark/nightly.conf",
        "--class", "io.meterlake.cli.jobs.Jobs",
        "/opt/meterlake/jars/meterlake-cli-app.jar",
    ],
    # The Meterlake CLI, for commands that are not Spark jobs (the Trino registration).
    "cli": ["/opt/meterlake/bin/meterlake"],
    # Options every command gets: the warehouse and its settings.
    "options": ["--conf-file", "/opt/meterlake/conf/production.properties"],
    "signing_key": "/run/secrets/meterlake/signing-key.pem",
    "public_key": "/opt/meterlake/keys/signing-key.pub.pem",
    # Where publish writes each period's signed receipt (<period>.json) and verify checks it: the
    # witness, outside the warehouse, that the latest revision existed (keep it on other storage).
    "receipts": "/var/lib/meterlake/receipts",
    # Alert when more than this fraction of the period's events differ between stream and batch
    # for reasons other than the expected ones (see drift()).
    "drift_threshold": 0.001,
    # VACUUM retention of the daily maintenance (maintain refuses one that would break verify).
    "retain": "7d",
}


def settings(variable_json=None):
    """The DEFAULTS overlaid with the ``meterlake`` Variable's JSON (keys it does not name keep their default)."""
    result = dict(DEFAULTS)
    if variable_json:
        given = json.loads(variable_json) if isinstance(variable_json, str) else dict(variable_json)
        unknown = sorted(set(given) - set(DEFAULTS))
        if unknown:
            raise ValueError("unknown keys in Variable %r: %s (known: %s)"
                             % (VARIABLE, ", ".join(unknown), ", ".join(DEFAULTS)))
        result.update(given)
    return result


def period_of(data_interval_start):
    """The billing period (UTC month, YYYY-MM) a data interval starts in."""
    offset = data_interval_start.utcoffset()
    if offset is not None and offset.total_seconds() != 0:
        raise ValueError("data intervals are UTC, got %s" % data_interval_start.isoformat())
    return "%04d-%02d" % (data_interval_start.year, data_interval_start.month)


def _batch(config, *arguments):
    return list(config["submit"]) + list(arguments) + list(config["options"])


def _cli(config, *arguments):
    # The CLI takes the configuration options before the command (the batch main takes them after).
    return list(config["cli"]) + list(config["options"]) + list(arguments)


# --- meterlake_nightly_reconcile: one run per billing period (monthly data intervals) ---------------

def wait_until_ready(config, period):
    return _batch(config, "periods", "ready", "--period", period)


def reconcile(config, period):
    return _batch(config, "periods", "reconcile", "--period", period, "--format", "json")


def publish(config, period, reconciled=None):
    """Signs what the reconcile task computed: ``reconciled`` is its ``--format json`` report, whose raw
    version publish reconciles at again (which writes nothing) and signs. Without it, the current version.
    ``--allow-empty``: the period comes from the data interval, never typed, so a month that truly had no
    usage is signed as an empty revision instead of failing the run."""
    pinned = [] if reconciled is None else ["--as-of-version", str(int(reconciled["raw_table_version"]))]
    return _batch(config, "periods", "publish", "--period", period, *pinned, "--signing-key", config["signing_key"],
                  "--allow-empty", "--receipt", receipt(config, period), "--format", "json")


def receipt(config, period):
    """The receipt file of a period: publish writes it, verify proves the table still holds what it proves."""
    return "%s/%s.json" % (config["receipts"].rstrip("/"), period)


def lock_receipt(config, period):
    """The receipt file of a period's lock: lock writes it, verify proves the tables still hold the lock."""
    return "%s/%s.lock.json" % (config["receipts"].rstrip("/"), period)


def verify(config, period):
    return _batch(config, "periods", "verify", "--period", period, "--public-key", config["public_key"],
                  "--receipt", receipt(config, period), "--format", "json")


def wait_for_approval(config, period):
    """The sensor before the lock: exit 75 while the period's latest revision is not approved (a person
    approves it with ``meterlake periods approve --approver-key``, a key other than the publisher's)."""
    return _batch(config, "periods", "status", "--period", period, "--until", "approved", "--format", "json")


def lock(config, period):
    """Locks the approved period, signed with the publishing key: from now on its late usage is billed in the
    next period's publish. Its receipt (beside the publish's) is the witness of the lock until a later
    decision names it."""
    return _batch(config, "periods", "lock", "--period", period, "--signing-key", config["signing_key"],
                  "--receipt", lock_receipt(config, period), "--format", "json")


def refresh_trino(config, period):
    return _cli(config, "trino", "register")


def dedup_audit(config, period):
    """The whole raw table, not the period: identities whose copies the bounded recompute does not compare."""
    return _batch(config, "events", "dedup-audit", "--format", "json")


NIGHTLY = {
    "wait_until_ready": wait_until_ready,
    "reconcile": reconcile,
    "publish": publish,
    "verify": verify,
    "refresh_trino": refresh_trino,
    "wait_for_approval": wait_for_approval,
    "lock": lock,
    "dedup_audit": dedup_audit,
}

# --- meterlake_open_month_statements: daily, the month the day falls in -----------------------------

def statement(config, period):
    return _batch(config, "periods", "reconcile", "--period", period, "--format", "json")


def maintain(config, period):
    return _batch(config, "maintain", "--retain", config["retain"], "--format", "json")


STATEMENTS = {
    "reconcile_open_month": statement,
    "maintain": maintain,
    "refresh_trino": refresh_trino,
}


class CommandFailed(RuntimeError):
    """A command exited with a code other than the ones its task accepts."""

    def __init__(self, argv, exit_code, stderr):
        last = [line for line in stderr.splitlines() if line.strip()]
        super().__init__("%s exited %d: %s" % (" ".join(argv[:6]) + " ...", exit_code,
                                                last[-1] if last else "(no message)"))
        self.exit_code = exit_code


def run(argv, accept=(OK,), log=print):
    """Runs argv; returns (exit code, stdout). Raises CommandFailed on an exit code not in accept."""
    log("running: " + " ".join(argv))
    started = time.monotonic()
    completed = subprocess.run(argv, capture_output=True, text=True)
    if completed.stderr:
        log(completed.stderr.rstrip())
    log("exited %d after %.1f s" % (completed.returncode, time.monotonic() - started))
    if completed.returncode not in accept:
        raise CommandFailed(argv, completed.returncode, completed.stderr)
    return completed.returncode, completed.stdout


def run_json(argv, log=print):
    """Runs a ``--format json`` command; returns its parsed output."""
    output = run(argv, log=log)[1]
    try:
        return json.loads(output)
    except ValueError as e:
        first = (output.splitlines() or ["(no output)"])[0]
        raise CommandFailed(argv, 0, "its output is not JSON (%s); it begins: %s" % (e, first[:200])) from None


def ready(argv, log=print):
    """A sensor's poke: True when the command exits 0 (ready, approved), False while it says 75 (not yet)."""
    code, _ = run(argv, accept=(OK, NOT_READY), log=log)
    return code == OK


# Causes that are not the stream's error: it agrees; the event was too late for it by design (the
# batch picks it up); it has not reached the event yet; or a producer sent one event id with two
# contents (CONFLICT: the batch bills the first received, the stream whichever its batch held; the
# report counts them as 'conflicts'); or a quarantine replay accepted it after the stream had
# quarantined it (REPLAYED); or a void or amend changed it, which the stream never applies
# (CORRECTED). A correction the batch could not apply (CORRECTION_*) is a row without quantities:
# no drift; reconcile lists it. What remains, DUPLICATE_ONLY_IN_BATCH and any cause added later,
# means the stream counted wrong.
EXPECTED_CAUSES = ("MATCH", "LATE_BEYOND_WATERMARK", "NOT_YET_STREAMED", "CONFLICT", "REPLAYED", "CORRECTED")


def drift(report):
    """From ``reconcile --format json``: the events the stream and the batch disagree on for
    unexpected causes (DUPLICATE_ONLY_IN_BATCH, ...), as a fraction of the period's authoritative
    events."""
    differing = sum(abs(int(summary["event_difference"]))
                    for cause, summary in report["causes"].items() if cause not in EXPECTED_CAUSES)
    return differing / max(int(report["events"]), 1)


def check_drift(report, threshold):
    """Raises DriftAlert when drift(report) exceeds threshold; returns the drift otherwise."""
    value = drift(report)
    if value > float(threshold):
        raise DriftAlert("reconciliation drift for %s is %.4f%% of %s events (threshold %.4f%%); causes: %s"
                         % (report["period"], value * 100, report["events"], float(threshold) * 100,
                            json.dumps(report["causes"], sort_keys=True)))
    return value


class DriftAlert(RuntimeError):
    """Stream and batch disagree beyond the configured threshold."""


def interval_start(value):
    """A data interval start given as an ISO string (tests, CLI backfills) or a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value
