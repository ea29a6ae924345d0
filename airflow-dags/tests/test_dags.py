"""Tests of the Airflow DAGs without Airflow (it cannot be installed on the build machines).

- Structure: each DAG file parses and compiles; its id, schedule, catch-up, retries, timeouts and
  task dependencies are the documented ones (the dependency line in the module docstring and in
  airflow-dags/README.md is itself parsed and compared with the code); nothing heavy runs at parse
  time (no Variable, connection or command outside task callables).
- Commands: every task's argument list, built by the same meterlake_commands function the task
  calls, is executed against the real build in a scratch warehouse: the batch commands through
  Spark's own SparkSubmit with the application jar and conf/spark/nightly.conf, the CLI ones
  through bin/meterlake (a real Trino for refresh_trino). Exit codes and outputs are asserted,
  including a second run of the same interval (idempotence) and a backfill of an earlier period.

Run from the repository root after 'mvn package': python3 -m unittest discover -s airflow-dags/tests
"""

import ast
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path

DAGS = Path(__file__).resolve().parent.parent
HOME = DAGS.parent
sys.path.insert(0, str(DAGS))

import meterlake_commands as commands  # noqa: E402

SPARK_HOME = HOME / "services" / "spark" / "target" / "spark-home"
APP_JAR = HOME / "cli" / "target" / "meterlake-cli-app.jar"
METERLAKE = HOME / "bin" / "meterlake"
OPENS = """-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED
--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
-Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true""".split()


# --- reading a DAG file without importing Airflow -------------------------------------------------

def _evaluate(node, names):
    """The value of a literal-ish expression: constants, module constants, lists, dicts,
    datetime(...)/timedelta(...) and their .total_seconds()."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.List):
        return [_evaluate(item, names) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_evaluate(k, names): _evaluate(v, names) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("datetime", "timedelta"):
        kind = datetime if node.func.id == "datetime" else timedelta
        return kind(*[_evaluate(a, names) for a in node.args],
                    **{k.arg: _evaluate(k.value, names) for k in node.keywords})
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "total_seconds" and not node.args):
        return _evaluate(node.func.value, names).total_seconds()
    raise ValueError("not a literal: " + ast.dump(node))


def _edges(expression, names_of=lambda node: node.id):
    """The (upstream, downstream) pairs of an ``a >> b >> [c, d]`` expression."""
    edges = set()

    def ends(node, first):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            return ends(node.left if first else node.right, first)
        if isinstance(node, ast.List):
            return [name for item in node.elts for name in ends(item, first)]
        return [names_of(node)]

    def walk(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            walk(node.left)
            walk(node.right)
            edges.update((a, b) for a in ends(node.left, False) for b in ends(node.right, True))
        elif isinstance(node, ast.List):
            for item in node.elts:
                walk(item)

    walk(expression)
    return edges


class DagFile:
    def __init__(self, path):
        self.path = path
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source, filename=str(path))
        compile(self.tree, str(path), "exec")
        self.docstring = ast.get_docstring(self.tree)
        self.names = {"datetime": datetime, "timedelta": timedelta}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    self.names[target.id] = node.value.value
        blocks = [node for node in self.tree.body if isinstance(node, ast.With)]
        assert len(blocks) == 1, "one 'with DAG(...)' block"
        call = blocks[0].items[0].context_expr
        assert isinstance(call.func, ast.Name) and call.func.id == "DAG", "the block opens a DAG"
        self.dag = {k.arg: _evaluate(k.value, self.names) for k in call.keywords}
        self.tasks = {}
        self.variables = {}
        self.edges = set()
        for statement in blocks[0].body:
            if isinstance(statement, ast.Assign):
                operator = statement.value
                arguments = {k.arg: k.value for k in operator.keywords}
                task_id = _evaluate(arguments["task_id"], self.names)
                self.variables[statement.targets[0].id] = task_id
                self.tasks[task_id] = (operator.func.id, arguments)
            elif isinstance(statement, ast.Expr):
                self.edges |= _edges(statement.value, lambda node: self.variables[node.id])
            else:
                raise AssertionError("unexpected statement in the DAG block: " + ast.dump(statement))

    def task_argument(self, task_id, name, default=None):
        node = self.tasks[task_id][1].get(name)
        return default if node is None else _evaluate(node, self.names)

    def documented_edges(self):
        """The edges of the ``a >> b`` line in the module docstring."""
        lines = [line.strip() for line in self.docstring.splitlines() if ">>" in line and not line.strip().startswith("-")]
        assert len(lines) == 1, "one dependency line in the docstring of " + self.path.name
        return _edges(ast.parse(lines[0], mode="eval").body)


NIGHTLY = DagFile(DAGS / "meterlake_nightly_reconcile.py")
STATEMENTS = DagFile(DAGS / "meterlake_open_month_statements.py")


class DagStructureTest(unittest.TestCase):
    def test_nightly_dag_is_as_documented(self):
        dag = NIGHTLY.dag
        self.assertEqual(dag["dag_id"], "meterlake_nightly_reconcile")
        self.assertEqual(dag["schedule"], "@monthly")
        self.assertTrue(dag["catchup"], "past periods are caught up")
        self.assertEqual(dag["max_active_runs"], 1, "periods close one at a time, in order")
        self.assertEqual(dag["default_args"]["retries"], 3)
        self.assertEqual(dag["default_args"]["retry_delay"], timedelta(minutes=10))
        self.assertEqual(dag["default_args"]["execution_timeout"], timedelta(hours=2))
        self.assertEqual(NIGHTLY.edges, {("wait_until_ready", "reconcile"), ("reconcile", "publish"),
                                         ("reconcile", "check_drift"), ("reconcile", "dedup_audit"),
                                         ("publish", "verify"),
                                         ("verify", "refresh_trino"), ("verify", "wait_for_approval"),
                                         ("wait_for_approval", "lock")})
        self.assertEqual(NIGHTLY.documented_edges(), NIGHTLY.edges)

    def test_nightly_waits_with_a_rescheduling_sensor_that_times_out(self):
        self.assertEqual(NIGHTLY.tasks["wait_until_ready"][0], "PythonSensor")
        self.assertEqual(NIGHTLY.task_argument("wait_until_ready", "mode"), "reschedule")
        self.assertEqual(NIGHTLY.task_argument("wait_until_ready", "poke_interval"), 1800)
        self.assertEqual(NIGHTLY.task_argument("wait_until_ready", "timeout"), 4 * 86400)
        self.assertEqual(NIGHTLY.tasks["wait_for_approval"][0], "PythonSensor")
        self.assertEqual(NIGHTLY.task_argument("wait_for_approval", "mode"), "reschedule")
        self.assertEqual(NIGHTLY.task_argument("wait_for_approval", "timeout"), 14 * 86400)
        self.assertEqual(NIGHTLY.task_argument("check_drift", "retries"), 0, "a drift alert is not retried")
        self.assertEqual(NIGHTLY.task_argument("dedup_audit", "retries"), 0, "an audit finding is not retried")

    def test_statements_dag_is_as_documented(self):
        dag = STATEMENTS.dag
        self.assertEqual(dag["dag_id"], "meterlake_open_month_statements")
        self.assertEqual(dag["schedule"], "@daily")
        self.assertFalse(dag["catchup"], "only today's statement matters")
        self.assertEqual(dag["default_args"]["retries"], 2)
        self.assertEqual(dag["default_args"]["execution_timeout"], timedelta(hours=2))
        self.assertEqual(STATEMENTS.edges, {("reconcile_open_month", "maintain"), ("maintain", "refresh_trino")})
        self.assertEqual(STATEMENTS.documented_edges(), STATEMENTS.edges)

    def test_the_readme_documents_both_dags(self):
        readme = (DAGS / "README.md").read_text(encoding="utf-8")
        for dag in (NIGHTLY, STATEMENTS):
            self.assertIn(dag.dag["dag_id"], readme)
            self.assertIn("`" + dag.dag["schedule"] + "`", readme)
            dependency_line = [line.strip() for line in dag.docstring.splitlines() if ">>" in line][0]
            self.assertIn(dependency_line, readme)

    def test_every_command_task_has_its_command_function(self):
        self.assertEqual(set(NIGHTLY.tasks) - {"check_drift"}, set(commands.NIGHTLY))
        self.assertEqual(set(STATEMENTS.tasks), set(commands.STATEMENTS))

    def test_nothing_heavy_at_parse_time(self):
        for dag in (NIGHTLY, STATEMENTS):
            for node in dag.tree.body:
                self.assertIsInstance(node, (ast.Expr, ast.ImportFrom, ast.Import, ast.Try, ast.FunctionDef,
                                             ast.Assign, ast.With), dag.path.name)
                if not isinstance(node, ast.FunctionDef):
                    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                    self.assertFalse(names & {"Variable", "meterlake_commands", "subprocess"},
                                     "%s reads settings or runs commands at parse time" % dag.path.name)

    def test_the_ignore_file_keeps_the_scheduler_off_the_helpers(self):
        ignored = (DAGS / ".airflowignore").read_text().split()
        self.assertIn("meterlake_commands.py", ignored)
        self.assertIn("tests/", ignored)


class CommandsTest(unittest.TestCase):
    def test_the_period_comes_from_the_data_interval(self):
        self.assertEqual(commands.period_of(datetime(2026, 10, 1, tzinfo=timezone.utc)), "2026-10")
        self.assertEqual(commands.period_of(datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)), "2026-12")
        with self.assertRaises(ValueError):
            commands.period_of(datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=2))))

    def test_settings_overlay_the_defaults_and_reject_unknown_keys(self):
        config = commands.settings('{"drift_threshold": 0.01}')
        self.assertEqual(config["drift_threshold"], 0.01)
        self.assertEqual(config["submit"], commands.DEFAULTS["submit"])
        with self.assertRaisesRegex(ValueError, "unknown keys in Variable 'meterlake': sign_key"):
            commands.settings('{"sign_key": "x"}')

    def test_the_default_submit_line_runs_the_batch_jar_with_the_nightly_conf(self):
        argv = commands.reconcile(commands.settings(), "2026-10")
        self.assertEqual(argv[:6], ["spark-submit", "--properties-file", "/opt/meterlake/conf/spark/nightly.conf",
                                    "--class", "io.meterlake.cli.jobs.Jobs",
                                    "/opt/meterlake/jars/meterlake-cli-app.jar"])
        self.assertEqual(argv[6:], ["periods", "reconcile", "--period", "2026-10", "--format", "json", "--conf-file",
                                    "/opt/meterlake/conf/production.properties"])

    def test_drift_counts_only_unexpected_causes(self):
        report = {"period": "2026-10", "events": 10000, "conflicts": 3, "causes": {
            "MATCH": {"windows": 90, "event_difference": 0},
            "LATE_BEYOND_WATERMARK": {"windows": 4, "event_difference": 40},
            "CONFLICT": {"windows": 3, "event_difference": 2},
            "REPLAYED": {"windows": 5, "event_difference": 70},
            "CORRECTED": {"windows": 6, "event_difference": -30},
            "CORRECTION_TARGET_MISSING": {"windows": 1, "event_difference": 0},
            "DUPLICATE_ONLY_IN_BATCH": {"windows": 2, "event_difference": -25}}}
        self.assertAlmostEqual(commands.drift(report), 0.0025)
        self.assertAlmostEqual(commands.check_drift(report, 0.01), 0.0025)
        with self.assertRaisesRegex(commands.DriftAlert, r"drift for 2026-10 is 0.2500% of 10000 events"):
            commands.check_drift(report, 0.001)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _month_start(year, month):
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=timezone.utc)


def ready_month(now):
    """The data interval start of the latest month that ended at least the default grace (48 h) before
    now: the real CLI stamps ingest and readiness with the real clock, so the test's months follow it."""
    month = _month_start(now.year, now.month)
    while _month_start(month.year, month.month + 1) + timedelta(hours=48) > now:
        month = _month_start(month.year, month.month - 1)
    return month


class EveryTaskAgainstTheRealBuildTest(unittest.TestCase):
    """One scratch warehouse with a workload of the latest ready month M (on the real clock); the
    nightly DAG for M, again (idempotence), a backfill of M-1 (the workload's boundary events), a
    sensor that is not yet satisfied (M+1), then the daily statements DAG for a day of M+1."""

    @classmethod
    def setUpClass(cls):
        for needed in (APP_JAR, SPARK_HOME / "jars", METERLAKE):
            if not needed.exists():
                raise AssertionError("%s is missing: run 'mvn -DskipTests package' first" % needed)
        cls.dir = Path(tempfile.mkdtemp(prefix="meterlake-dags-"))
        cls.addClassCleanup(shutil.rmtree, cls.dir, ignore_errors=True)
        warehouse = cls.dir / "warehouse"
        cls.options = ["--warehouse", str(warehouse), "--set", "stack.dir=%s" % (cls.dir / "stack"),
                       "--set", "stack.trino-port=%d" % _free_port(),
                       "--set", "stack.tenant-sql-port=%d" % _free_port()]
        java = str(Path(os.environ["JAVA_HOME"]) / "bin" / "java") if os.environ.get("JAVA_HOME") else "java"
        # Short-lived JVMs on small data: the build's test options (METERLAKE_JAVA_OPTS, set by the pom for
        # bin/meterlake too) go to the spark-submit driver as well, and so does a class-data archive
        # (AppCDS, as bin/meterlake keeps one): recorded once by a read-only spark-submit below, mapped by
        # every later one (about 3.5 s less per cold driver; a JVM ignores an archive that does not match).
        cls.archive = cls.dir / "spark-submit.jsa"
        # The JVM's own output (warnings, the archive's among them, and a full code cache's report) goes to
        # stderr: stdout is the command's JSON.
        cls.jvm = [java, *OPENS, *os.environ.get("METERLAKE_JAVA_OPTS", "").split(), "-Xlog:disable",
                   "-Xlog:all=warning:stderr", "-XX:+DisplayVMOutputToStderr"]
        cls.spark_submit = ["-Duser.timezone=UTC", "-cp", str(SPARK_HOME / "jars") + "/*",
                            "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
                            "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
                            "--properties-file", str(HOME / "conf" / "spark" / "nightly.conf"),
                            "--class", "io.meterlake.cli.jobs.Jobs", str(APP_JAR)]
        cls.settings = commands.settings({
            "submit": [*cls.jvm, "-XX:SharedArchiveFile=%s" % cls.archive, *cls.spark_submit],
            "cli": [str(METERLAKE)],
            "options": cls.options,
            "signing_key": str(cls.dir / "signing-key.pem"),
            "public_key": str(cls.dir / "signing-key.pub.pem"),
            "receipts": str(cls.dir / "receipts"),
            "retain": "3d",
        })
        cls.log = []
        cls.addClassCleanup(cls.print_durations)
        # Class cleanups run even when setUpClass fails after this point (tearDownClass would not):
        # a stack that started halfway is stopped, and its ports are free for the next run.
        cls.addClassCleanup(cls.meterlake, "stack", "stop")
        # Trino takes 15-60 s to start: it starts in the background on a scratch warehouse (registering
        # nothing, so never a table the ingest below is creating) while the workload is made and ingested;
        # each nightly's refresh_trino registers the real one.
        started = subprocess.Popen([str(METERLAKE), *cls.options, "stack", "start", "--with-trino",
                                    "--warehouse", str(cls.dir / "no-tables-yet")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        cls.month = ready_month(datetime.now(timezone.utc))
        cls.before = _month_start(cls.month.year, cls.month.month - 1)
        cls.after = _month_start(cls.month.year, cls.month.month + 1)
        cls.meterlake("events", "generate", "--events", "2000", "--seed", "5", "--period", commands.period_of(cls.month),
                      "--out", str(cls.dir / "events.jsonl"),
                      "--entitlements-out", str(cls.dir / "entitlements.csv"),
                      "--truth-out", str(cls.dir / "truth.json"))
        cls.meterlake("entitlements", "load", str(cls.dir / "entitlements.csv"))
        cls.meterlake("events", "ingest", str(cls.dir / "events.jsonl"))
        # The class archive: a spark-submit that only reads (the audit of the whole raw table) records
        # the classes a batch driver loads (Spark, Delta, Meterlake).
        commands.run([*cls.jvm, "-XX:ArchiveClassesAtExit=%s" % cls.archive, *cls.spark_submit, "events", "dedup-audit",
                      *cls.options], log=cls.log.append)
        if cls.archive.stat().st_size < 64 << 20:
            raise AssertionError("no class archive of the batch driver at %s" % cls.archive)
        cls.meterlake("keys", "generate", "--private-key-out", cls.settings["signing_key"],
                      "--public-key-out", cls.settings["public_key"])
        cls.approver_key = str(cls.dir / "approver-key.pem")
        cls.meterlake("keys", "generate", "--private-key-out", cls.approver_key,
                      "--public-key-out", str(cls.dir / "approver-key.pub.pem"))
        output, _ = started.communicate(timeout=600)
        cls.log.append("stack start --with-trino (in the background): exit %d" % started.returncode)
        if started.returncode != 0:
            raise AssertionError("stack start --with-trino failed:\n" + output)

    @classmethod
    def print_durations(cls):
        """What each command took, in the order run (the test's time is these commands')."""
        command = None
        for line in cls.log:
            if line.startswith("running: "):
                words = line[len("running: "):].split()
                main = next((i for i, w in enumerate(words) if w in ("io.meterlake.cli.jobs.Jobs", str(METERLAKE))), -1)
                rest = [w for w in words[main + 1:] if not w.startswith("-") and "/" not in w and "=" not in w]
                command = " ".join(w for w in rest if not w.endswith(".jar"))[:60]
            elif line.startswith("exited ") and command is not None:
                print("dag command: %-60s %s" % (command, line), file=sys.stderr)
                command = None

    @classmethod
    def meterlake(cls, *arguments):
        return commands.run([str(METERLAKE), *cls.options, *arguments], log=cls.log.append)[1]

    def nightly(self, interval_start):
        """Runs the nightly DAG's tasks for one data interval in dependency order; returns their results."""
        start = commands.interval_start(interval_start)
        period = commands.period_of(start)
        argv = {task: build(self.settings, period) for task, build in commands.NIGHTLY.items() if task != "publish"}
        self.assertTrue(commands.ready(argv["wait_until_ready"], log=self.log.append), period + " is ready")
        report = commands.run_json(argv["reconcile"], log=self.log.append)
        drift = commands.check_drift(report, self.settings["drift_threshold"])
        published = commands.run_json(commands.NIGHTLY["publish"](self.settings, period, report), log=self.log.append)
        if published["locked"]:
            self.assertIsNone(published["reconcile_run_id"], "a locked period is not signed again")
        else:
            self.assertEqual(published["reconcile_run_id"], report["run_id"], "publish signs what reconcile computed")
        verified = commands.run_json(argv["verify"], log=self.log.append)
        commands.run(argv["refresh_trino"], log=self.log.append)
        audit = commands.run_json(argv["dedup_audit"], log=self.log.append)
        self.assertEqual(audit["identities_beyond_horizon"], 0, audit["findings"])
        self.assertEqual(audit["raw_table_version"], report["raw_table_version"])
        return report, drift, published, verified

    def test_the_dags_commands_run_reconcile_publish_verify_and_are_idempotent(self):
        month, before, after = (commands.period_of(m) for m in (self.month, self.before, self.after))
        report, drift, published, verified = self.nightly(self.month.isoformat())
        self.assertEqual(report["period"], month)
        self.assertGreater(report["events"], 1000)
        self.assertEqual(drift, 0.0, "no stream ran: windows are NOT_YET_STREAMED or CONFLICT, expected causes")
        self.assertIn("NOT_YET_STREAMED", report["causes"])
        self.assertGreater(report["conflicts"], 0, "the workload has conflicting identities")
        self.assertTrue(published["published"])
        self.assertEqual(published["revision"], 1)
        self.assertEqual(published["receipt"], commands.receipt(self.settings, month))
        self.assertEqual(json.loads(Path(published["receipt"]).read_text())["header_sha256"], published["header_sha256"])
        self.assertTrue(verified["verified"], verified["mismatches"])
        self.assertEqual(verified["content_sha256"], published["content_sha256"])

        # The lock waits for an approval by another key than the publisher's (four eyes, exit 2).
        approval = commands.NIGHTLY["wait_for_approval"](self.settings, month)
        self.assertFalse(commands.ready(approval, log=self.log.append), "a draft is not approved")
        refused, _ = commands.run([str(METERLAKE), *self.options, "periods", "approve", "--period", month, "--approver-key",
                                   self.settings["signing_key"]], accept=(2,), log=self.log.append)
        self.assertEqual(refused, 2)
        self.meterlake("periods", "approve", "--period", month, "--approver-key", self.approver_key)
        self.assertTrue(commands.ready(approval, log=self.log.append), "approved")
        locked = commands.run_json(commands.NIGHTLY["lock"](self.settings, month), log=self.log.append)
        self.assertEqual((locked["period"], locked["revision"]), (month, 1))
        self.assertEqual(locked["receipt"], commands.lock_receipt(self.settings, month))
        self.assertEqual(json.loads(Path(locked["receipt"]).read_text())["sequence"], locked["sequence"])
        # Both receipts verify: the tables hold the publish and the lock they prove.
        self.meterlake("periods", "verify", "--period", month, "--public-key", self.settings["public_key"],
                       "--receipt", commands.receipt(self.settings, month), "--receipt", locked["receipt"])

        # A retry or catch-up of the same interval changes nothing (the period is locked: nothing written).
        again, _, republished, reverified = self.nightly(self.month.isoformat())
        self.assertEqual(again["run_id"], report["run_id"])
        self.assertTrue(again["already_recorded"])
        self.assertFalse(republished["published"])
        self.assertTrue(republished["locked"])
        self.assertEqual(republished["revision"], 1)
        self.assertTrue(reverified["verified"])
        self.assertEqual(reverified["status"], "locked")

        # Backfill: an earlier period closes the same way.
        earlier, _, earlier_published, earlier_verified = self.nightly(self.before.isoformat())
        self.assertEqual(earlier["period"], before)
        self.assertEqual(earlier_published["period"], before)
        self.assertTrue(earlier_verified["verified"])

        # The next month: the sensor keeps waiting (exit 75), it does not fail.
        waiting = commands.NIGHTLY["wait_until_ready"](self.settings, after)
        self.assertFalse(commands.ready(waiting, log=self.log.append))

        # Finance reads what the DAG published through the refreshed Trino registration.
        rows = json.loads(self.meterlake("trino", "sql", "SELECT period, revision FROM current_periods ORDER BY period",
                                         "--user", "finance", "--format", "json"))
        self.assertEqual([(row["period"], int(row["revision"])) for row in rows], [(before, 1), (month, 1)])

        # The daily statements DAG for a day of the next month.
        period = commands.period_of(commands.interval_start((self.after + timedelta(days=22)).isoformat()))
        statement = commands.run_json(commands.STATEMENTS["reconcile_open_month"](self.settings, period),
                                      log=self.log.append)
        self.assertEqual(statement["period"], after)
        maintained = commands.run_json(commands.STATEMENTS["maintain"](self.settings, period), log=self.log.append)
        self.assertIn("raw_usage_events", [row["table"] for row in maintained])
        self.assertTrue(all(row["retention"] == "PT72H" for row in maintained))
        commands.run(commands.STATEMENTS["refresh_trino"](self.settings, period), log=self.log.append)
        # Maintenance kept what verify needs.
        after_maintenance = commands.run_json(commands.NIGHTLY["verify"](self.settings, month), log=self.log.append)
        self.assertTrue(after_maintenance["verified"], after_maintenance["mismatches"])


class ReadyMonthTest(unittest.TestCase):
    def test_the_latest_month_past_its_grace_at_tricky_instants(self):
        cases = {datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc): "2026-10",
                 datetime(2026, 12, 3, 0, 0, tzinfo=timezone.utc): "2026-11",
                 datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc): "2026-11",
                 datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc): "2028-01",
                 datetime(2028, 3, 2, 23, 59, tzinfo=timezone.utc): "2028-01",
                 datetime(2028, 3, 3, 0, 0, tzinfo=timezone.utc): "2028-02"}
        for now, month in cases.items():
            self.assertEqual(commands.period_of(ready_month(now)), month, now.isoformat())

if __name__ == "__main__":
    unittest.main()
