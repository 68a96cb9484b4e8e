"""Tests of scripts/bench_runs.py (run by .ci/run: python3 -m unittest discover -s scripts)."""
import contextlib
import io
import json
import os
import tempfile
import unittest

import bench_runs


def report(worker, floor, per_second=10.0):
    return {
        "lifecycles_per_second": per_second,
        "cpu_seconds_per_1000": {"worker": worker, "server": 50.0},
        "floor": None if floor is None else {
            "cpu_seconds_per_1000": {"worker": floor, "server": 60.0},
            "worker_cpu_multiple": worker / floor,
        },
    }


class BenchRunsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, body):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump(body, f)
        return path

    def summary(self, args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            bench_runs.main(args)
        return out.getvalue()

    def test_the_multiple_is_of_the_means_not_the_mean_of_multiples(self):
        # Multiples 4.0 and 0.5 average 2.25; the means give 25 / 15 = 1.67.
        a = self.write("a.json", report(40.0, 10.0))
        b = self.write("b.json", report(10.0, 20.0))
        text = self.summary([f"x={a}", f"x={b}"])
        self.assertIn("x: 2 runs, 25.0 / 15.0 = 1.67", text)

    def test_each_label_is_summarised_apart_and_runs_without_a_floor_are_left_out(self):
        a = self.write("a.json", report(15.0, 10.0))
        b = self.write("b.json", report(12.0, 10.0))
        c = self.write("c.json", report(99.0, None))
        text = self.summary([f"before={a}", f"after={b}", f"after={c}"])
        self.assertIn("before: 1 run, 15.0 / 10.0 = 1.50 (1.50–1.50)", text)
        self.assertIn("after: 1 run, 12.0 / 10.0 = 1.20 (1.20–1.20)", text)
        self.assertIn("no floor figures", text)

    def test_the_interval_holds_the_estimate_and_is_repeatable(self):
        runs = [(16.5, 9.6), (13.5, 10.4), (17.5, 10.2), (15.7, 9.7), (18.5, 13.2)]
        low, high = bench_runs.interval(runs)
        self.assertLess(low, bench_runs.ratio_of_means(runs))
        self.assertGreater(high, bench_runs.ratio_of_means(runs))
        self.assertEqual((low, high), bench_runs.interval(runs))


if __name__ == "__main__":
    unittest.main()
