"""Seed shards of verify (``--shards S``, ``--shard s/S``) and ``--examples N``: the rule, the merge, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wideminima.cli import main
from wideminima.errors import InputError
from wideminima.property_tests import claim
from wideminima.property_tests.engine import (ClaimResult, ClaimStatus, claim_examples, load_counterexample,
                                              merge_shards, verify_claim)
from wideminima.property_tests.loader import load_claim_file
from wideminima.property_tests.shards import Shard, parse_shard

# rare-residue is false on one residue class in 61: a search of a few examples finds it or not depending on
# its seed; square-nonnegative is true.
CLAIMS = '''
from hypothesis import strategies as st
from wideminima.property_tests import claim

@claim(id="rare-residue", statement="x mod 61 != 7", strategy=st.integers(0, 10**6))
def margin(x, ctx):
    return ctx.scalar(-1.0 if x % 61 == 7 else 1.0)

@claim(id="square-nonnegative", kind="theorem", strategy=st.floats(-10, 10))
def square(x, ctx):
    return ctx.scalar(x) ** 2
'''


def _verify(args: list[str], capsys) -> tuple[int, dict]:
    code = main(["verify", *args, "--profile", "ci", "--json"])
    return code, json.loads(capsys.readouterr().out)


@given(st.integers(1, 10_000), st.integers(1, 64))
def test_shares_sum_to_the_total_and_differ_by_at_most_one(total: int, count: int) -> None:
    if count > total:
        with pytest.raises(InputError, match="more shards than"):
            Shard(0, count).share(total)
        return
    shares = [Shard(s, count).share(total) for s in range(count)]
    assert sum(shares) == total and max(shares) - min(shares) <= 1 and min(shares) >= 1


def test_shard_seeds_depend_on_the_run_seed_and_the_shard_only() -> None:
    assert Shard(0, 8).seed(11) == 11  # shard 0 is the unsharded search's seed
    seeds = [Shard(s, 8).seed(11) for s in range(8)]
    assert len(set(seeds)) == 8
    assert seeds[:4] == [Shard(s, 4).seed(11) for s in range(4)]  # not of the count, hence not of the workers
    assert Shard(3, 8).seed(12) != seeds[3]


@pytest.mark.parametrize("text", ["3", "4/4", "-1/4", "a/b", "1/0", "2/"])
def test_bad_shard_text_is_one_line(text: str) -> None:
    with pytest.raises(InputError, match=r"--shard .*: must be s/S"):
        parse_shard(text)
    assert parse_shard("3/8") == Shard(3, 8)


@pytest.mark.parametrize(("args", "words"), [
    (["--shards", "0"], "--shards 0: must be an integer >= 1"),
    (["--examples", "0"], "--examples 0: must be an integer >= 1"),
    (["--examples", "3", "--shards", "4"], "--shards 4: claim rare-residue has only 3 example(s)"),
    (["--shard", "4/4"], "--shard 4/4: must be s/S"),
])
def test_bad_shards_and_examples_are_one_line_exit_2(tmp_path, capsys, args, words) -> None:
    (tmp_path / "toy.py").write_text(CLAIMS)
    code = main(["verify", str(tmp_path / "toy.py"), *args, "--profile", "ci", "--out", str(tmp_path / "cx")])
    err = capsys.readouterr().err
    assert code == 2 and words in err and err.count("\n") == 1, err
    assert not (tmp_path / "cx").exists()  # refused before any search


def test_one_shard_and_the_profiles_own_examples_change_nothing(tmp_path, capsys) -> None:
    (tmp_path / "toy.py").write_text(CLAIMS)
    runs = [_verify([str(tmp_path / "toy.py"), *extra, "--out", str(tmp_path / "cx")], capsys)
            for extra in ([], ["--shards", "1"], ["--examples", "50"])]
    for run in runs:
        for row in run[1]["claims"]:
            row.pop("seconds")
            assert "shards" not in row
    assert runs[0][1]["claims"] == runs[1][1]["claims"]
    assert "shards" not in runs[1][1] and runs[2][1]["examples"] == 50
    reproduce = [r.pop("reproduce") for r in runs[2][1]["claims"]]
    assert [r.pop("reproduce") for r in runs[0][1]["claims"]][1] + " --examples 50" == reproduce[1]
    assert runs[0][1]["claims"] == runs[2][1]["claims"]


def test_examples_are_scaled_like_the_profiles() -> None:
    @claim(id="costly", statement="t", strategy=st.integers(), examples_scale=0.2)
    def costly(x, ctx):
        return ctx.scalar(1.0)

    assert claim_examples(costly, "ci") == 10 and claim_examples(costly, "ci", 1000) == 200
    assert claim_examples(costly, "ci", 1) == 1  # at least one


def test_sharded_run_merges_in_shard_order(tmp_path, capsys) -> None:
    (tmp_path / "toy.py").write_text(CLAIMS)
    code, out = _verify([str(tmp_path / "toy.py"), "--shards", "3", "--examples", "30", "--claim", "square-nonnegative",
                         "--out", str(tmp_path / "cx")], capsys)
    row = out["claims"][0]
    assert code == 0 and out["shards"] == "3" and row["status"] == "verified"
    shards = row["shards"]["rows"]
    assert [s["shard"] for s in shards] == [0, 1, 2] and shards[0]["seed"] == 0
    assert row["examples"] == sum(s["examples"] for s in shards)
    assert row["worst_margin"] == min(s["worst_margin"] for s in shards)
    assert shards[row["shards"]["worst_margin_shard"]]["worst_margin"] == row["worst_margin"]
    assert sum(c["examples"] for c in row["coverage"]) == row["examples"]
    assert row["reproduce"].endswith("--claim square-nonnegative --profile ci --seed 0 --examples 30 --shards 3")


def _planted_seed(claim_, probe: Path) -> int:
    """The first run seed (ci, 8 examples, 4 shards) whose shard 3 alone refutes the rare claim (computed)."""
    wanted = [ClaimStatus.VERIFIED] * 3 + [ClaimStatus.REFUTED]
    for seed in range(200):
        if [verify_claim(claim_, "ci", seed, out_dir=probe, examples=8, shard=Shard(j, 4)).status
                for j in range(4)] == wanted:
            return seed
    raise AssertionError("no seed in 0..199 whose shard 3 of 4 alone refutes x mod 61 != 7")


def test_a_refutation_found_by_shard_3_of_4_only(tmp_path, capsys) -> None:
    rare = tmp_path / "rare.py"
    rare.write_text(CLAIMS)
    claim_ = load_claim_file(str(rare))[0]
    seed = _planted_seed(claim_, tmp_path / "probe")
    out_dir = tmp_path / "cx"
    code, out = _verify([str(rare), "--claim", "rare-residue", "--shards", "4", "--examples", "8", "--seed", str(seed), "--out", str(out_dir)],
                        capsys)
    row = out["claims"][0]
    assert code == 1 and row["status"] == "refuted"
    assert [s["status"] for s in row["shards"]["rows"]] == ["verified"] * 3 + ["refuted"]
    assert row["shards"]["counterexample_shard"] == 3 and row["counterexample"]["shard"] == "3/4"
    path = Path(row["counterexample"]["file"])
    assert path == out_dir / f"rare-residue-seed{seed}-shard-3-of-4.npz" and sorted(out_dir.iterdir()) == [path]
    meta, instance = load_counterexample(path)
    assert meta["shard"] == "3/4" and meta["seed"] == seed and instance % 61 == 7
    assert row["reproduce"] == f"wideminima verify {rare} --replay {path}"
    assert main(["verify", str(rare), "--replay", str(path), "--json"]) == 1  # the saved file replays
    assert json.loads(capsys.readouterr().out)["claims"][0]["status"] == "refuted"
    # the shard's own search, as the row names it, finds the same row
    search = row["counterexample"]["search"].split()
    assert search[-2:] == ["--shard", "3/4"]
    code, alone = _verify([*search[2:], "--out", str(tmp_path / "again")], capsys)
    assert code == 1 and alone["shards"] == "3/4"
    mine, theirs = alone["claims"][0]["shards"]["rows"][0], row["shards"]["rows"][3]
    assert {**mine, "seconds": 0} == {**theirs, "seconds": 0}


def _row(status: ClaimStatus, examples: int, worst: float | None, shard: int, message: str = "",
         unconfirmed: int = 0) -> ClaimResult:
    return ClaimResult("c", "theorem", status, examples, worst, None, "r", 1.0, "builtin", message, 1, unconfirmed,
                       [{"stratum": f"s{shard % 2}", "examples": examples, "worst_margin": worst or 0.0}],
                       {"count": 4, "worst_margin_shard": None if worst is None else shard,
                        "counterexample_shard": None, "rows": [{"shard": shard}]})


def test_merge_status_precedence_counts_coverage_and_messages() -> None:
    v, t = ClaimStatus.VERIFIED, ClaimStatus.TIMEOUT
    merged = merge_shards([_row(v, 10, 0.5, 0), _row(t, 3, 0.2, 1, "timed out"),
                           _row(ClaimStatus.INCONCLUSIVE, 10, -1e-40, 2, "unsure", 2), _row(v, 10, None, 3)], "all")
    assert merged.status == ClaimStatus.INCONCLUSIVE and merged.examples == 33 and merged.unconfirmed == 2
    assert merged.escalated == 4 and merged.worst_margin == -1e-40 and merged.shards["worst_margin_shard"] == 2
    assert merged.message == "shard 1/4: timed out; shard 2/4: unsure" and merged.reproduce == "all"
    assert merged.coverage == [{"stratum": "s0", "examples": 20, "worst_margin": -1e-40},
                               {"stratum": "s1", "examples": 13, "worst_margin": 0.0}]
    assert [r["shard"] for r in merged.shards["rows"]] == [0, 1, 2, 3]
    order = [ClaimStatus.REFUTED, ClaimStatus.ERROR, ClaimStatus.VIOLATED_FLOAT64, ClaimStatus.INCONCLUSIVE, t, v]
    for i, first in enumerate(order):
        rows = [_row(s, 1, 0.0, j) for j, s in enumerate(reversed(order[i:]))]
        assert merge_shards(rows, "all").status == first
    one = _row(v, 5, 1.0, 0)
    assert merge_shards([one], "all") is one
