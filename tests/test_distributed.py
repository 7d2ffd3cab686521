"""A real Dask LocalCluster (2 worker processes): verify and report give what one process gives.

Compared: verdicts, example counts, worst margins and counterexample evidence of
``verify`` (a user claim file with a refutation and two built-in claims, ci
profile), the counterexample file arriving in the client's ``--out``, and the bytes
of ``results/*.json`` of ``report --quick --only E2``. The same runs go through
``--workers 2`` (local processes) too. With seed shards (``--shards``), each claim's
shards are separate tasks, merged in the client: the merged rows, per-shard rows and
counterexample files equal those of the single process, which runs the shards in turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from wideminima.cli import main
from wideminima.execution import single_threaded_children
from wideminima.property_tests.engine import load_counterexample

pytest.importorskip("distributed")

TOY = '''
from hypothesis import strategies as st
from wideminima.property_tests import claim

@claim(id="square-above-x", statement="x^2 >= x", strategy=st.floats(-10, 10))
def margin(x, ctx):
    a = ctx.scalar(x)
    return a * a - a
'''

BUILTIN = ["scalar-closed-form", "sharpness-lower-bound"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with single_threaded_children():  # the worker processes inherit one BLAS thread, like --workers
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _verify(args: list[str], out: Path, capsys) -> tuple[int, dict]:
    code = main(["verify", *args, "--profile", "ci", "--json", "--out", str(out)])
    return code, json.loads(capsys.readouterr().out)


def _row_without_run_details(row: dict) -> dict:
    """The row minus its wall time and the paths that name the output folder."""
    kept = {k: v for k, v in row.items() if k not in ("seconds", "reproduce")}
    if row["counterexample"] is not None:
        kept["counterexample"] = {**row["counterexample"], "file": Path(row["counterexample"]["file"]).name}
    if "shards" in row:
        kept["shards"] = {**row["shards"], "rows": [{**r, "seconds": 0} for r in row["shards"]["rows"]]}
    return kept


@pytest.mark.slow
def test_verify_on_a_cluster_and_on_local_workers_equals_one_process(scheduler, tmp_path, capsys) -> None:
    claim_file = tmp_path / "toy.py"
    claim_file.write_text(TOY)
    backends = {"one": [], "workers": ["--workers", "2"], "dask": ["--scheduler", scheduler]}
    user = {name: _verify([str(claim_file), *extra], tmp_path / name, capsys) for name, extra in backends.items()}
    # Built-in claims (loaded by name on the workers); the local process pool is already compared above.
    builtin = {name: _verify([*(a for c in BUILTIN for a in ("--claim", c)), *backends[name]], tmp_path / f"{name}-b",
                             capsys) for name in ("one", "dask")}
    assert user["one"][0] == 1 and user["one"][1]["claims"][0]["status"] == "refuted"
    assert builtin["one"][0] == 0 and sorted(c["id"] for c in builtin["one"][1]["claims"]) == sorted(BUILTIN)
    first = Path(user["one"][1]["claims"][0]["counterexample"]["file"])
    for name, runs in (("workers", [user]), ("dask", [user, builtin])):
        for run in runs:
            (code, mine), (other_code, theirs) = run["one"], run[name]
            assert other_code == code
            for row, other_row in zip(mine["claims"], theirs["claims"], strict=True):
                assert _row_without_run_details(other_row) == _row_without_run_details(row), name
        # The counterexample came back to this process's --out, with the same instance, and replays from there.
        row = user[name][1]["claims"][0]
        path = Path(row["counterexample"]["file"])
        assert path.parent == tmp_path / name and path.is_file()
        assert row["reproduce"].endswith(f"--replay {path}")
        (meta, instance), (meta_one, instance_one) = load_counterexample(path), load_counterexample(first)
        assert meta == meta_one and np.array_equal(np.asarray(instance), np.asarray(instance_one))
        assert main(["verify", str(claim_file), "--replay", str(path), "--json"]) == 1
        assert json.loads(capsys.readouterr().out)["claims"][0]["status"] == "refuted"


@pytest.mark.slow
def test_report_on_a_cluster_writes_the_same_results(scheduler, tmp_path) -> None:
    outs = {}
    for name, extra in {"one": ["--workers", "1"], "dask": ["--scheduler", scheduler]}.items():
        outs[name] = tmp_path / name
        assert main(["report", "--quick", "--quiet", "--only", "E2", *extra, "--out", str(outs[name])]) == 0
    files = sorted(p.relative_to(outs["one"]) for p in (outs["one"] / "results").glob("*.json"))
    assert files  # at least E2.json and the manifest
    for f in files:
        assert (outs["dask"] / f).read_bytes() == (outs["one"] / f).read_bytes(), f


@pytest.mark.slow
def test_sharded_verify_on_a_cluster_and_on_local_workers_equals_one_process(scheduler, tmp_path, capsys) -> None:
    claim_file = tmp_path / "toy.py"
    claim_file.write_text(TOY)
    sharded = [str(claim_file), "--shards", "4", "--examples", "40"]
    backends = {"one": [], "workers": ["--workers", "2"], "dask": ["--scheduler", scheduler]}
    runs = {name: _verify([*sharded, *extra], tmp_path / name, capsys) for name, extra in backends.items()}
    builtin = ["--claim", "scalar-closed-form", "--shards", "3", "--examples", "12"]
    runs |= {f"{name}-b": _verify([*builtin, *backends[name]], tmp_path / f"{name}-b", capsys) for name in ("one", "dask")}
    (code, one), (code_b, one_b) = runs["one"], runs["one-b"]
    assert code == 1 and one["shards"] == "4" and len(one["claims"][0]["shards"]["rows"]) == 4
    assert code_b == 0 and one_b["claims"][0]["examples"] == sum(r["examples"] for r in
                                                                 one_b["claims"][0]["shards"]["rows"])
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files and all("-shard-" in f for f in files)  # every refuting shard saved its own file
    for name in ("workers", "dask", "dask-b"):
        other_code, theirs = runs[name]
        mine = runs["one-b" if name.endswith("-b") else "one"]
        assert other_code == mine[0]
        for row, other_row in zip(mine[1]["claims"], theirs["claims"], strict=True):
            assert _row_without_run_details(other_row) == _row_without_run_details(row), name
        if not name.endswith("-b"):
            assert sorted(p.name for p in (tmp_path / name).iterdir()) == files
            for f in files:
                (meta, instance), (meta_one, instance_one) = (load_counterexample(tmp_path / name / f),
                                                              load_counterexample(tmp_path / "one" / f))
                assert meta == meta_one and np.array_equal(np.asarray(instance), np.asarray(instance_one))
