"""The analysis notebooks: valid nbformat 4, parameterised for papermill, committed without
outputs, and the English and French ones in step (same code, same sections)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from labctl.hbase import queries
from labctl.hbase.schema import NAMESPACE

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LANGUAGES = {"en": NOTEBOOKS / "analysis.en.ipynb", "fr": NOTEBOOKS / "analyse.fr.ipynb"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _parameters(notebook: dict) -> dict:
    cell = next(cell for cell in notebook["cells"] if "parameters" in cell["metadata"].get("tags", []))
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(_source(cell)).body}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_valid_notebook_without_outputs_whose_code_parses(language):
    notebook = _load(LANGUAGES[language])
    assert notebook["nbformat"] == 4 and notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)
    for cell in code:
        # IPython magics (%matplotlib) are not Python.
        ast.parse("\n".join(line for line in _source(cell).splitlines() if not line.startswith("%")))
    assert len({cell["id"] for cell in notebook["cells"]}) == len(notebook["cells"])


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_parameters_name_the_hbase_host_and_namespace_and_its_own_language(language):
    parameters = _parameters(_load(LANGUAGES[language]))
    assert parameters["language"] == language
    assert parameters["namespace"] == NAMESPACE and parameters["hbase_host"] == "hbase-thrift"
    assert {"run", "lake", "top", "figures_out"} <= set(parameters)


def test_english_and_french_are_in_step():
    english, french = (_load(LANGUAGES[language]) for language in ("en", "fr"))
    assert [cell["cell_type"] for cell in english["cells"]] == [cell["cell_type"] for cell in french["cells"]]
    code = [[_source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"] for notebook in (english, french)]
    differ = [index for index, (en, fr) in enumerate(zip(*code)) if en != fr]
    assert differ == [0], "only the parameters cell (language) may differ"
    assert code[0][0].replace('language = "en"', 'language = "fr"') == code[1][0]
    headings = [[_source(cell).count("#") for cell in notebook["cells"] if cell["cell_type"] == "markdown"] for notebook in (english, french)]
    assert headings[0] == headings[1]


def test_the_notebooks_ask_labctls_queries_by_their_names():
    setup_and_all = "".join(_source(cell) for cell in _load(LANGUAGES["en"])["cells"] if cell["cell_type"] == "code")
    asked = {line.split('ask("', 1)[1].split('"', 1)[0] for line in setup_and_all.splitlines() if 'ask("' in line}
    assert asked and asked <= set(queries.QUERY_NAMES)
    # The seed's questions: followers, engagement, growth, URLs, languages and regions, media, tags, mentions.
    assert {"top-users", "engagement", "user-growth", "top-urls", "languages", "regions", "media", "top-tags", "top-mentions"} <= asked
