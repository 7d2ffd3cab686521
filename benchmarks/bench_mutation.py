"""Search power of ``wideminima verify`` as a number: detection of false variants per profile and seed.

    python benchmarks/bench_mutation.py [--profiles ci] [--seeds 0 1 2 3 4] [--variants ID ...] [--json OUT]
                                        [--true-claims]

Runs every variant of ``benchmarks/mutants/variants.py`` (all false; decided
independently by ``benchmarks/mutants/truth.py``) through the verify engine exactly
as ``wideminima verify`` does, for each profile and seed, and prints

- per variant: its family and region, and per profile the number of seeds in which
  it was refuted with an interval certificate, and the median seconds to that
  refutation (search, shrinking and certificate);
- per profile and seed: the detection rate (certified refutations / variants);
- with ``--true-claims``: the built-in claims and the true examples over the same
  profiles and seeds, and how many of them were (wrongly) refuted; must be 0.

Only status ``refuted`` counts as detected: a float64-only verdict, ``error``,
``inconclusive`` or ``timeout`` is a miss. Wall times depend on the machine load,
which is printed (1-minute load average) with the CPU count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "benchmarks" / "mutants" / "variants.py"
TRUE_EXAMPLES = (ROOT / "examples" / "true_conjecture.py", ROOT / "examples" / "flattest_value.py")


def _load(path: Path) -> list:
    from wideminima.property_tests.loader import load_claim_file

    return load_claim_file(path)


def run_all(claims: list, profiles: list[str], seeds: list[int]) -> list[dict]:
    """One record per (profile, seed, claim): status, examples, worst margin, seconds."""
    from wideminima.property_tests import verify_claim

    records = []
    with tempfile.TemporaryDirectory() as out:
        for profile in profiles:
            for seed in seeds:
                for c in claims:
                    row = verify_claim(c, profile, seed, out_dir=out)
                    records.append({"profile": profile, "seed": seed, "id": c.id, "status": str(row.status),
                                    "examples": row.examples, "worst_margin": row.worst_margin,
                                    "seconds": row.seconds, "message": row.message})
                    print(f"  {profile:<8} seed {seed}  {c.id:<36} {row.status!s:<12} {row.examples:>6} "
                          f"{row.seconds:>7.2f} s", file=sys.stderr, flush=True)
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["ci"], choices=("dev", "ci", "thorough"))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--variants", nargs="*", default=None, metavar="ID", help="only these variants")
    parser.add_argument("--true-claims", action="store_true", help="also run the built-in claims and true examples")
    parser.add_argument("--json", default=None, metavar="OUT", help="write every record as JSON")
    parser.add_argument("--quick", action="store_true", help="smoke run: profile ci, seed 0, the first 3 variants")
    args = parser.parse_args()
    if args.quick:
        args.profiles, args.seeds = ["ci"], [0]

    sys.path.insert(0, str(VARIANTS.parent))
    variants = _load(VARIANTS)
    from variants import META  # noqa: E402  (the same file, for the family and region columns)

    if args.variants:
        unknown = sorted(set(args.variants) - {c.id for c in variants})
        if unknown:
            raise SystemExit(f"unknown variants: {', '.join(unknown)}")
        variants = [c for c in variants if c.id in args.variants]
    elif args.quick:
        variants = variants[:3]
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at start; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    start = time.perf_counter()
    records = run_all(variants, args.profiles, args.seeds)
    true_records = []
    if args.true_claims:
        from wideminima.property_tests import builtin_claims

        true_claims = list(builtin_claims()) + [c for p in TRUE_EXAMPLES for c in _load(p)]
        true_records = run_all(true_claims, args.profiles, args.seeds)
    total = time.perf_counter() - start

    print(f"\n{len(variants)} false variants, profiles {', '.join(args.profiles)}, seeds "
          f"{', '.join(map(str, args.seeds))} ({total:.0f} s in all, load average {os.getloadavg()[0]:.1f} at end)")
    head = f"{'variant':<36} {'family':<28} {'region':<40}"
    for p in args.profiles:
        head += f" {p + ' refuted':>12} {'median s':>8}"
    print(head)
    for c in variants:
        line = f"{c.id:<36} {META[c.id]['family'][:28]:<28} {META[c.id]['region'][:40]:<40}"
        for p in args.profiles:
            rows = [r for r in records if r["id"] == c.id and r["profile"] == p]
            hits = [r for r in rows if r["status"] == "refuted"]
            med = f"{statistics.median(r['seconds'] for r in hits):.2f}" if hits else "-"
            line += f" {f'{len(hits)}/{len(rows)}':>12} {med:>8}"
        print(line)
    print(f"\n{'profile':<10} {'seed':>4} {'detected':>9} {'rate':>7} {'median s to refutation':>23} {'missed'}")
    for p in args.profiles:
        for seed in args.seeds:
            rows = [r for r in records if r["profile"] == p and r["seed"] == seed]
            hits = [r for r in rows if r["status"] == "refuted"]
            med = statistics.median(r["seconds"] for r in hits) if hits else float("nan")
            missed = ", ".join(f"{r['id']}({r['status']})" for r in rows if r["status"] != "refuted")
            print(f"{p:<10} {seed:>4} {f'{len(hits)}/{len(rows)}':>9} {len(hits) / len(rows):>7.1%} {med:>23.2f}  "
                  f"{missed}")
    if true_records:
        wrong = [r for r in true_records if r["status"] == "refuted"]
        other = [r for r in true_records if r["status"] not in ("verified", "refuted")]
        print(f"\ntrue claims (built-in and examples): {len(true_records)} runs, {len(wrong)} refuted (must be 0), "
              f"{len(other)} neither verified nor refuted"
              + "".join(f"\n  {r['profile']} seed {r['seed']} {r['id']}: {r['status']} {r['message']}"
                        for r in wrong + other))
    if args.json:
        Path(args.json).write_text(json.dumps({"variants": records, "true_claims": true_records}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
