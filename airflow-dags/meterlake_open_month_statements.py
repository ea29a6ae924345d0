"""meterlake_open_month_statements: daily running statements for the open month, and table upkeep.

One run per UTC day (schedule @daily). Tasks:

    reconcile_open_month >> maintain >> refresh_trino

- reconcile_open_month: ``periods reconcile --period P`` for the month the data interval starts in, so
  usage_aggregates_authoritative (and Trino's views over it) carry month-to-date totals that finance
  and tenants can read before the period is signed. Nothing is published or signed.
- maintain: OPTIMIZE + VACUUM of every table with the configured retention (``maintain`` refuses a
  retention that would break ``verify`` of a signed period).
- refresh_trino: ``meterlake trino register``.

Idempotent like the nightly DAG; settings from the same ``meterlake`` Variable.
"""

from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2
    from airflow.operators.python import PythonOperator

DAG_ID = "meterlake_open_month_statements"


def _run(task, data_interval_start, **_):
    from airflow.models import Variable

    import meterlake_commands

    config = meterlake_commands.settings(Variable.get(meterlake_commands.VARIABLE, default_var=None))
    meterlake_commands.run(meterlake_commands.STATEMENTS[task](config, meterlake_commands.period_of(data_interval_start)))


with DAG(
    dag_id=DAG_ID,
    description="Month-to-date authoritative totals for the open period, table maintenance, Trino refresh.",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "billing",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=2),
    },
    tags=["meterlake", "billing"],
) as dag:
    reconcile_open_month = PythonOperator(task_id="reconcile_open_month", python_callable=_run,
                                          op_kwargs={"task": "reconcile_open_month"})
    maintain = PythonOperator(task_id="maintain", python_callable=_run, op_kwargs={"task": "maintain"})
    refresh_trino = PythonOperator(task_id="refresh_trino", python_callable=_run, op_kwargs={"task": "refresh_trino"})

    reconcile_open_month >> maintain >> refresh_trino
