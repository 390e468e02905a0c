"""The analysis notebooks (notebooks/) run headless on the lab's JupyterLab container, with
papermill, and every figure's data equals the oracle over the raw zone the run read.

The test brings the optional notebook service up (`labctl up --with notebook`, building its
image if needed), runs the pipeline once so that the latest published run covers the raw
zone as it is, then executes the English and the French notebook."""

from __future__ import annotations

import json
import time

import pytest

from labctl.cli import main
from labctl.core import addresses as ab
from labctl.core import compose as dc
from labctl.core import engine as eng
from labctl.core import lab, runs
from labctl.core.airflow_api import AirflowAPI
from labctl.core.secrets import pseudonym_key
from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase.schema import NAMESPACE
from labctl.oracle.answers import expected_answer, pseudonymised
from queries import expected_over_raw_zone, query
from test_jobs_on_yarn import assert_same

SERVICE = "notebook"
NOTEBOOKS = {"en": "analysis.en.ipynb", "fr": "analyse.fr.ipynb"}
TOP = 10
# followers, engagement rate, growth, domains, languages, regions, the largest region's
# languages, media (pie and types), media engagement, tags, mentions, the curated emojis.
CHARTS = 12
# Figure key in the notebook -> (query name, options) of labctl.hbase.queries.
QUERY_FIGURES = {
    "top-users": ("top-users", {}),
    "engagement-by-rate": ("engagement", {"by": "rate"}),
    "user-growth": ("user-growth", {}),
    "top-urls": ("top-urls", {}),
    "top-domains": ("top-domains", {}),
    "languages": ("languages", {}),
    "totals": ("totals", {}),
    "regions": ("regions", {}),
    "media": ("media", {}),
    "media-engagement": ("media-engagement", {}),
    "top-tags": ("top-tags", {}),
    "top-mentions": ("top-mentions", {}),
}


def expected_figure(document: dict, key: str) -> dict:
    """The oracle's answer to the query a figure was drawn from."""
    if key.startswith("languages-region-"):
        return expected_answer(document, "languages", TOP, region=key.removeprefix("languages-region-"))
    name, options = QUERY_FIGURES[key]
    return expected_answer(document, name, TOP, **options)


@pytest.fixture(scope="module")
def notebook_lab(lab_stack):
    """The lab with its notebook, after a run over the raw zone as it is. A notebook this
    test started goes again afterwards: the lab is left as it was found (and a compose
    down without the notebook's profile would leave it running, holding the network)."""
    was_running = SERVICE in lab.running_optional()
    assert main(["up", "--with", SERVICE, "--workers", str(lab.running_workers(lab_stack))]) == 0
    try:
        assert main(["deploy"]) == 0
        api = AirflowAPI(lab_stack)
        runs.quiesce(api)
        expected = expected_over_raw_zone()
        if not published_over(api, expected):
            assert main(["run"]) == 0
        document = pseudonymised(expected, Pseudonymiser(pseudonym_key(lab_stack)))
        yield lab_stack, document
    finally:
        if not was_running:
            dc.compose(lab_stack, *dc.profile_args([SERVICE]), "rm", "--stop", "--force", SERVICE, timeout=120)


def published_over(api: AirflowAPI, expected: dict) -> bool:
    """Whether the last DAG run succeeded and published the raw zone as it is (its totals are
    the oracle's): then the notebook reads it as it is, and a run of its own (about 50 s of
    CI) would change nothing. A run that published anything else is caught by the figures'
    comparison with the oracle all the same."""
    latest = api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=1)["dag_runs"]
    if not latest or latest[0]["state"] != "success":
        return False
    answered = query("totals")["totals"]
    return answered == {key: expected["totals"].get(key) for key in answered}


def _execute(language: str) -> tuple[dict, dict, float]:
    """papermill in the notebook container, as its user; returns (figures, executed notebook, seconds)."""
    name = NOTEBOOKS[language]
    out, figures = f"/tmp/smoke-{language}.ipynb", f"/tmp/smoke-figures-{language}.json"
    started = time.monotonic()
    eng.exec_in(SERVICE, [
        "papermill", f"/opt/lab/notebooks/{name}", out, "--cwd", "/home/lab/work", "--no-progress-bar",
        "-p", "hbase_host", ab.service("HBASE_THRIFT"), "-p", "namespace", NAMESPACE, "-p", "top", str(TOP), "-p", "figures_out", figures,
    ], user="lab")
    seconds = time.monotonic() - started
    data = json.loads(eng.exec_in(SERVICE, ["cat", figures], user="lab")[1])
    executed = json.loads(eng.exec_in(SERVICE, ["cat", out], user="lab")[1])
    return data, executed, seconds


@pytest.mark.parametrize("language", sorted(NOTEBOOKS))
def test_notebook_figures_equal_the_oracle(notebook_lab, language, record_property):
    _, document = notebook_lab
    data, executed, seconds = _execute(language)
    record_property(f"notebook_{language}_seconds", round(seconds, 1))
    figures = data["figures"]
    largest_region = next(iter(expected_answer(document, "regions", TOP)["regions"]))
    assert set(figures) == set(QUERY_FIGURES) | {f"languages-region-{largest_region}", "curated-totals", "curated-emojis"}
    for key in set(figures) - {"curated-totals", "curated-emojis"}:
        expected = expected_figure(document, key)
        assert_same(figures[key], json.loads(json.dumps(expected)), f"{language}:{key}")
        for section, entries in expected.items():
            if isinstance(entries, dict) and section not in ("totals", "language_shares", "media_engagement"):
                # A chart's bars come in the contract's order.
                assert list(figures[key][section]) == list(entries), f"{language}:{key}.{section} order"
    # Read from HDFS's curated zone: the same totals, the oracle's top emojis.
    curated = figures["curated-totals"]
    assert curated and curated == {key: document["totals"][key] for key in curated}
    assert list(figures["curated-emojis"].items()) == list(expected_answer(document, "top-emojis", TOP)["emojis"].items())
    # Every chart was drawn, and nothing failed.
    outputs = [output for cell in executed["cells"] if cell["cell_type"] == "code" for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    assert sum("image/png" in output.get("data", {}) for output in outputs) == CHARTS


def test_notebook_is_on_loopback_with_the_labs_token(notebook_lab):
    import requests

    manifest, _ = notebook_lab
    container = eng.service_container(eng.client(), SERVICE)
    bindings = container.attrs["HostConfig"]["PortBindings"][f"{ab.listen_port('NOTEBOOK', manifest)}/tcp"]
    assert [binding["HostIp"] for binding in bindings] == [ab.LOOPBACK]
    inspected = json.dumps(container.attrs["Config"])
    token = (manifest.state_dir / "secrets" / "notebook-token").read_text().strip()
    assert token not in inspected
    url = f"{ab.lab_from_host(manifest).notebook}/api/contents"
    assert requests.get(url, timeout=10).status_code == 403
    listing = requests.get(url, headers={"Authorization": f"token {token}"}, timeout=10)
    assert listing.status_code == 200 and {"analysis.en.ipynb", "analyse.fr.ipynb"} <= {item["name"] for item in listing.json()["content"]}
