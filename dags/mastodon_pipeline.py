"""
### Mastodon pipeline

Collect Mastodon statuses into the HDFS data lake, compute the analysis metrics
with Hadoop Streaming on YARN, load them into HBase, check them, publish them.

check_lab → feeds → collect (one mapped task per feed) → run_jobs → quarantine →
load_hbase → quality → publish → retention; and feeds_failed, which fails the run
when a feed failed for good.

- **feeds** lists what this run collects: the Airflow Variable `pipeline_feeds`
  (`labctl feeds list|add|remove`; unset: the lab's three recorded instances), or
  the one feed a manual run's parameters name.
- **collect** is mapped over the feeds (`.expand()`): each feed is a task of its
  own, with its own checkpoint, retries and alert. A feed is a recorded instance
  of the lab's replay server, a live instance (token in the Airflow Connection
  `mastodon_default`, field *password*), or files on the edge node (`file`).
- **run_jobs** waits for every feed to be done and runs if at least one landed
  (`all_done_min_one_success`): a feed that fails for good does not hold back the
  others' data. It reads the *whole* raw zone within retention, so a run that
  collected nothing new publishes the same answers as the one before.
- Every write is keyed by the run id (from the run's data interval): clearing a
  run and running it again replaces its files and rows.
- A failed task sends an alert (`LabWebhookNotifier`) that `labctl alerts` lists.

See docs/pipeline.md.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import Param, Variable, dag, get_current_context, task
from airflow.task.trigger_rule import TriggerRule

from labctl.alerts.notifier import LabWebhookNotifier

SCHEDULE = os.environ.get("MASTODON_PIPELINE_SCHEDULE", "@hourly")


def _schedule(cron: str):
    """The refresh interval as a cron timetable whose first run waits for the next tick.

    With a start_date, Airflow schedules the most recent *past* tick as soon as the DAG
    is unpaused, so on a new lab the user's first `labctl run` queued behind a scheduled
    run for about 90 s. Without one, the timetable's `run_immediately` decides. Its
    documented "False: never" is not what Airflow 3.3 does: False falls back to the
    default buffer (a tenth of the interval, at least 5 minutes), so a lab started in
    the first 6 minutes of an hour ran the past tick at once. A buffer of zero makes the
    first scheduled run the next tick in the future. "none" (or empty) leaves the DAG to
    manual runs only.
    """
    if cron.strip().lower() in ("", "none"):
        return None
    from airflow.timetables.trigger import CronTriggerTimetable

    return CronTriggerTimetable(cron, timezone="UTC", run_immediately=timedelta(0))

CLUSTER_TASK = {
    "retries": 3,
    "retry_delay": timedelta(seconds=15),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
}


def _maybe_fail(task_id: str) -> None:
    """Lets a test (or a teacher) make one task fail on purpose to see the alert.
    AirflowFailException skips the retries: the failure is meant, not transient."""
    from airflow.sdk.exceptions import AirflowFailException

    if get_current_context()["params"].get("fail_task") == task_id:
        raise AirflowFailException(f"{task_id} failed on purpose (param fail_task)")


FEEDS_VARIABLE = "pipeline_feeds"  # labctl/pipeline/feeds.py VARIABLE


def _run_id() -> str:
    from labctl.pipeline.steps import run_id_for

    context = get_current_context()
    dag_run = context["dag_run"]
    end = dag_run.data_interval_end or dag_run.run_after
    return run_id_for(end)


@dag(
    dag_id="mastodon_pipeline",
    schedule=_schedule(SCHEDULE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["mastodon", "hadoop", "hbase"],
    default_args={
        "retries": 0,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": LabWebhookNotifier(),
    },
    params={
        # Empty source: the declared feeds (Variable pipeline_feeds, read when the run starts,
        # never while the DAG file is parsed). A source: this run collects that one feed.
        "source": Param(
            None,
            type=["null", "string"],
            enum=[None, "recorded", "file", "live"],
            title="Source",
            description="Empty: the declared feeds (Variable pipeline_feeds). Or one feed for this run: recorded "
            "(the lab's replay server), file (files on the edge node), live (an instance).",
        ),
        "instance": Param(None, type=["null", "string"], title="Instance", description="live: its URL; recorded: a domain the replay server serves (empty: its default)"),
        "timeline": Param(None, type=["null", "string"], title="Timeline", description="public, local or tag:NAME"),
        "limit": Param(None, type=["null", "integer"], minimum=1, title="At most this many statuses"),
        "files": Param([], type="array", title="Files in the edge node's upload folder (source=file; `labctl run --file` puts them there)"),
        "include_noindex": Param(False, type="boolean", title="Ingest authors who set noindex"),
        "max_malformed_ratio": Param(0.05, type="number", minimum=0, maximum=1, title="Largest share of malformed records"),
        "fail_task": Param("", type="string", title="Task to fail on purpose (tests the alerts)"),
        # A failing feed is retried CLUSTER_TASK["retries"] times, minutes apart; a test (or a
        # teacher showing the path) may want it to give up sooner.
        "collect_retries": Param(None, type=["null", "integer"], minimum=0, title="At most this many retries of a failing feed (empty: 3)"),
    },
)
def mastodon_pipeline():
    @task(execution_timeout=timedelta(minutes=2), **CLUSTER_TASK)
    def check_lab() -> dict:
        from labctl.pipeline.cluster import check_cluster

        _maybe_fail("check_lab")
        return check_cluster()

    @task(**CLUSTER_TASK)
    def feeds() -> list[dict]:
        from labctl.pipeline import steps

        # Read when the run starts, never while the DAG file is parsed.
        return steps.run_feeds(get_current_context()["params"], Variable.get(FEEDS_VARIABLE, default=None))

    # One task per feed, named after it in the UI; a failing feed is retried and alerted on alone.
    @task(execution_timeout=timedelta(minutes=30), map_index_template="{{ feed_label }}", **CLUSTER_TASK)
    def collect(feed: dict) -> dict:
        from labctl.collect.files import OutsideUploads
        from labctl.pipeline import steps
        from labctl.pipeline.feeds import feed_label

        context = get_current_context()
        context["feed_label"] = feed_label(feed)
        _maybe_fail("collect")
        params = context["params"]
        token = None
        if feed["source"] == "live":
            from airflow.sdk import BaseHook

            token = BaseHook.get_connection("mastodon_default").password
        try:
            return steps.collect(
                source=feed["source"],
                instance=feed["instance"],
                timeline=feed["timeline"],
                limit=params["limit"],
                include_noindex=params["include_noindex"],
                files=params["files"],
                token=token,
            )
        except OutsideUploads as refused:  # files outside the upload folder: no retry makes them acceptable
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(refused.message) from None
        except Exception as exc:
            allowed = params.get("collect_retries")
            if allowed is not None and context["ti"].try_number > allowed:
                from airflow.sdk.exceptions import AirflowFailException

                raise AirflowFailException(
                    f"{context['feed_label']}: {type(exc).__name__}: {exc} (try {context['ti'].try_number}, "
                    f"collect_retries={allowed})"
                ) from exc
            raise

    # No alert of its own: the failed feed's collect sent one.
    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0, on_failure_callback=None)
    def feeds_failed() -> None:
        """Runs when a collect failed for good, or never ran: fails the run in the first case, so
        that it shows failed although the other feeds' data was processed and published."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        # one_failed also fires when collect never ran because a task before it failed (then
        # `feeds` returned nothing): that task failed the run already, and said why.
        if get_current_context()["ti"].xcom_pull(task_ids="feeds") is None:
            raise AirflowSkipException("no feed was listed: a task before collect failed")
        raise AirflowFailException("a feed failed for good: see the failed collect task (the others were processed)")

    @task(execution_timeout=timedelta(minutes=30), trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS, **CLUSTER_TASK)
    def run_jobs() -> dict:
        from labctl.pipeline import steps

        _maybe_fail("run_jobs")
        result = steps.run_jobs(_run_id())
        result["raw_records"] = steps.raw_records()
        return result

    @task(**CLUSTER_TASK)
    def quarantine(jobs: dict) -> dict:
        from labctl.pipeline import steps

        _maybe_fail("quarantine")
        metrics = steps.metrics_and_quarantine(_run_id(), jobs["output"])
        return metrics["totals"]

    @task(**CLUSTER_TASK)
    def load_hbase(jobs: dict, totals: dict) -> dict:
        from labctl.jobs.output import metrics_from_output
        from labctl.pipeline import steps, yarn

        _maybe_fail("load_hbase")
        metrics = metrics_from_output(yarn.read_output(jobs["output"]))
        return steps.load(_run_id(), metrics)

    @task(**CLUSTER_TASK)
    def quality(jobs: dict, loaded: dict) -> dict:
        from labctl.jobs.output import metrics_from_output
        from labctl.pipeline import steps, yarn

        _maybe_fail("quality")
        params = get_current_context()["params"]
        metrics = metrics_from_output(yarn.read_output(jobs["output"]))
        return steps.quality(_run_id(), metrics, jobs["counters"], jobs["raw_records"], params["max_malformed_ratio"])

    @task(**CLUSTER_TASK)
    def publish(checked: dict) -> str:
        from labctl.pipeline import steps

        _maybe_fail("publish")
        return steps.publish(_run_id())

    @task(**CLUSTER_TASK)
    def retention(published: str) -> dict:
        from labctl.lake.retention import RETENTION_VARIABLE
        from labctl.pipeline import steps

        # Unset means the lab's default (labctl/lake/retention.py), the same `labctl deploy` uses for HBase.
        setting = Variable.get(RETENTION_VARIABLE, default=None)
        return steps.retention(setting, get_current_context()["dag_run"].run_after.date())

    listed = feeds()
    collected = collect.expand(feed=listed)
    check_lab() >> listed
    jobs = run_jobs()
    collected >> jobs
    collected >> feeds_failed()
    totals = quarantine(jobs)
    retention(publish(quality(jobs, load_hbase(jobs, totals))))


mastodon_pipeline()
