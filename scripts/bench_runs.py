#!/usr/bin/env python3
"""Summarises `meetflow bench --json` reports of repeated runs: per run and per binary, worker and
floor CPU-s per 1,000 lifecycles and the multiple; per binary, the multiple of the means (the
figure issue #14 sets a target for) with a bootstrap interval over the runs. Used by
scripts/bench-runs.sh; also takes report files directly:

    scripts/bench_runs.py LABEL=REPORT.json [LABEL=REPORT.json …]

One run's multiple moves by ±15 % and more on a shared 2-core box (docs/performance.md), as the
worker's and the floor's phases run a minute apart; the mean of several runs, each in a new
`--dir`, is what a target or a before/after comparison can be read from.
"""
import json
import random
import statistics
import sys

# Resamples for the interval; a fixed seed so the same reports always print the same interval.
RESAMPLES = 2000
SEED = 14


def ratio_of_means(runs):
    return statistics.fmean(w for w, _ in runs) / statistics.fmean(f for _, f in runs)


def interval(runs, confidence=0.9):
    """Percentile bootstrap of the ratio of the means, resampling whole runs."""
    rng = random.Random(SEED)
    ratios = sorted(
        ratio_of_means([rng.choice(runs) for _ in runs]) for _ in range(RESAMPLES)
    )
    tail = (1 - confidence) / 2
    return ratios[int(tail * RESAMPLES)], ratios[int((1 - tail) * RESAMPLES) - 1]


def main(args):
    if not args:
        sys.exit(__doc__)
    by_label = {}
    print(f"{'run':<40} {'worker':>7} {'floor':>7} {'multiple':>8} {'lc/s':>6}")
    for arg in args:
        label, _, path = arg.rpartition("=")
        label = label or "runs"
        with open(path) as f:
            report = json.load(f)
        floor = report.get("floor")
        if not floor:
            print(f"{path:<40} no floor figures (the floor failed or was off): left out")
            continue
        worker = report["cpu_seconds_per_1000"]["worker"]
        floor_worker = floor["cpu_seconds_per_1000"]["worker"]
        by_label.setdefault(label, []).append((worker, floor_worker))
        print(f"{path[-40:]:<40} {worker:7.1f} {floor_worker:7.1f} {worker / floor_worker:8.2f} "
              f"{report['lifecycles_per_second']:6.1f}")
    print("worker CPU-s per 1,000 lifecycles: mean worker / mean floor = multiple "
          "(90 % bootstrap interval over runs)")
    for label, runs in by_label.items():
        low, high = interval(runs)
        worker = statistics.fmean(w for w, _ in runs)
        floor = statistics.fmean(f for _, f in runs)
        count = f"{len(runs)} run{'s' if len(runs) > 1 else ''}"
        print(f"  {label}: {count}, {worker:.1f} / {floor:.1f} = "
              f"{ratio_of_means(runs):.2f} ({low:.2f}–{high:.2f})")


if __name__ == "__main__":
    main(sys.argv[1:])
