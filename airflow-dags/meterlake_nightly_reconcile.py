"""meterlake_nightly_reconcile: close each billing period, once it is ready.

One run per data interval of one UTC month (schedule @monthly; the run for October starts at
November's first midnight). Tasks:

    wait_until_ready >> reconcile >> [publish >> verify >> [refresh_trino, wait_for_approval >> lock], check_drift, dedup_audit]

- wait_until_ready: a sensor polling ``periods ready --period P`` (exit 75 = not yet: the grace after
  the period's end and the stream's watermark), rescheduling itself every 30 min for up to 4 days.
- reconcile, publish, verify: the batch job under spark-submit with ``--period`` from the data
  interval. publish gets ``--as-of-version`` from reconcile's report, so it signs exactly the lines
  reconcile wrote to usage_aggregates_authoritative, at the raw version it read. Each is idempotent: a repeated run writes nothing new, so retries, catch-up and
  ``airflow dags backfill`` over past periods are safe. publish appends a revision only if the
  recomputed lines changed.
- refresh_trino: ``meterlake trino register`` (new tables, views, tenants' access rules).
- wait_for_approval: a sensor polling ``periods status --period P --until approved`` (exit 75 until a
  person approved the published revision with ``meterlake periods approve --approver-key``, a key other than
  the publisher's), rescheduling itself every hour for up to 14 days. Then lock: ``periods lock --period P --signing-key``.
  From then on the period never changes: late usage of it is billed by the next period's publish as
  correction lines, with no manual step. A retry of a locked period's run publishes nothing.
- check_drift: fails (and so alerts through Airflow's failure notifications) when stream and batch
  disagree on more than ``drift_threshold`` of the period's events for causes that mean the stream
  counted wrong (meterlake_commands.drift). It does not block publishing: the batch is the authority.
- dedup_audit: ``events dedup-audit`` fails (and so alerts) when an identity's copies lie further apart in
  event time than the dedup horizon, which no period's bounded recompute compares. It reads the whole
  raw table (three columns), once a month, and does not block publishing either. Not retried.

Settings come from the JSON Variable ``meterlake`` (defaults in meterlake_commands.DEFAULTS); no
Variable or connection is read at parse time.
"""

from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.providers.standard.sensors.python import PythonSensor
except ImportError:  # Airflow 2
    from airflow.operators.python import PythonOperator
    from airflow.sensors.python import PythonSensor

DAG_ID = "meterlake_nightly_reconcile"


def _settings():
    from airflow.models import Variable

    import meterlake_commands

    return meterlake_commands.settings(Variable.get(meterlake_commands.VARIABLE, default_var=None))


def _argv(task, data_interval_start):
    import meterlake_commands

    return meterlake_commands.NIGHTLY[task](_settings(), meterlake_commands.period_of(data_interval_start))


def _poke(task, data_interval_start, **_):
    import meterlake_commands

    return meterlake_commands.ready(_argv(task, data_interval_start))


def _run_json(task, data_interval_start, **_):
    import meterlake_commands

    return meterlake_commands.run_json(_argv(task, data_interval_start))


def _run(task, data_interval_start, **_):
    import meterlake_commands

    meterlake_commands.run(_argv(task, data_interval_start))


def _publish(ti, data_interval_start, **_):
    import meterlake_commands

    period = meterlake_commands.period_of(data_interval_start)
    argv = meterlake_commands.publish(_settings(), period, ti.xcom_pull(task_ids="reconcile"))
    return meterlake_commands.run_json(argv)


def _check_drift(ti, **_):
    import meterlake_commands

    report = ti.xcom_pull(task_ids="reconcile")
    return meterlake_commands.check_drift(report, _settings()["drift_threshold"])


with DAG(
    dag_id=DAG_ID,
    description="Reconcile, publish and verify each closed billing period; lock it once approved; refresh Trino; alert on drift.",
    schedule="@monthly",
    start_date=datetime(2026, 1, 1),
    catchup=True,
    max_active_runs=1,
    default_args={
        "owner": "billing",
        "retries": 3,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=2),
    },
    tags=["meterlake", "billing"],
) as dag:
    wait_until_ready = PythonSensor(
        task_id="wait_until_ready",
        python_callable=_poke,
        op_kwargs={"task": "wait_until_ready"},
        mode="reschedule",
        poke_interval=timedelta(minutes=30).total_seconds(),
        timeout=timedelta(days=4).total_seconds(),
    )
    reconcile = PythonOperator(task_id="reconcile", python_callable=_run_json, op_kwargs={"task": "reconcile"})
    publish = PythonOperator(task_id="publish", python_callable=_publish)
    verify = PythonOperator(task_id="verify", python_callable=_run_json, op_kwargs={"task": "verify"})
    refresh_trino = PythonOperator(task_id="refresh_trino", python_callable=_run, op_kwargs={"task": "refresh_trino"})
    wait_for_approval = PythonSensor(
        task_id="wait_for_approval",
        python_callable=_poke,
        op_kwargs={"task": "wait_for_approval"},
        mode="reschedule",
        poke_interval=timedelta(hours=1).total_seconds(),
        timeout=timedelta(days=14).total_seconds(),
    )
    lock = PythonOperator(task_id="lock", python_callable=_run_json, op_kwargs={"task": "lock"})
    check_drift = PythonOperator(task_id="check_drift", python_callable=_check_drift, retries=0)
    dedup_audit = PythonOperator(task_id="dedup_audit", python_callable=_run_json, op_kwargs={"task": "dedup_audit"},
                                 retries=0)

    wait_until_ready >> reconcile >> [publish, check_drift, dedup_audit]
    publish >> verify >> [refresh_trino, wait_for_approval]
    wait_for_approval >> lock
