"""The import graph of labctl/, drawn with ast: no loop, and no package imports one above it
(benchmarks/architecture.py's LAYERS). Every import counts, lazy and TYPE_CHECKING ones too."""

from __future__ import annotations


def test_no_module_imports_itself_back(shape):
    assert shape.loops(shape.import_graph()) == []


def test_no_package_imports_itself_back(shape):
    assert shape.loops(shape.package_graph(shape.import_graph())) == []


def test_every_package_has_a_layer_and_imports_only_its_own_and_those_below(shape):
    graph = shape.import_graph()
    assert shape.unplaced_packages(graph) == []
    assert shape.upward_imports(graph) == []


def test_the_graph_drawer_sees_loops_and_upward_imports(shape):
    graph = {"labctl.core.a": {"labctl.pipeline.b"}, "labctl.pipeline.b": {"labctl.core.a"}, "labctl.lake.c": set()}
    assert shape.loops(graph) == [["labctl.core.a", "labctl.pipeline.b"]]
    assert shape.upward_imports(graph) == [("labctl.core.a", "labctl.pipeline.b")]


def test_the_graph_drawer_reads_every_kind_of_import(shape, tmp_path):
    package = tmp_path / "labctl"
    (package / "core").mkdir(parents=True)
    (package / "lake").mkdir()
    for path in (package / "__init__.py", package / "core" / "__init__.py", package / "lake" / "__init__.py", package / "lake" / "fs.py"):
        path.write_text("")
    (package / "core" / "x.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from labctl.lake.fs import FileSystem\n"
        "def f():\n    from . import y\n    import labctl.lake\n"
    )
    (package / "core" / "y.py").write_text("")
    graph = shape.import_graph(tmp_path)
    assert graph["labctl.core.x"] == {"labctl.lake.fs", "labctl.core.y", "labctl.lake"}
