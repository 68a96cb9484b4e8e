"""Tests of scripts/capacity.py on the hand-made fixture scripts/testdata/bench-fixture.json
(not a measurement). Run: python3 -m unittest discover -s scripts -p capacity_test.py

The expectations are worked out by hand from the fixture's numbers (20 billable actions,
45 state transitions, 25,000 history bytes, 3 Graph calls and 4 mails per lifecycle, 36 worker
CPU-s per 1,000 lifecycles) and the default assumptions (80 % of a day in 8 h, 100 tenants …).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import capacity  # noqa: E402

FIXTURE = HERE / "testdata" / "bench-fixture.json"


def load() -> dict:
    return json.loads(FIXTURE.read_text())


class Arithmetic(unittest.TestCase):
    def setUp(self) -> None:
        self.lc = capacity.Lifecycle.from_bench(load())
        self.a = capacity.Assumptions()

    def test_one_million_a_day(self) -> None:
        c = capacity.model(self.lc, 1_000_000, self.a)
        # 1,000,000 × 0.8 / (8 × 3,600 s) = 27.78 lifecycles/s; the day's average is 11.57/s.
        self.assertAlmostEqual(c.peak_per_s, 27.7778, places=4)
        self.assertAlmostEqual(c.average_per_s, 11.5741, places=4)
        # 27.78/s × 0.036 CPU-s = 1.0 core; at 50 % of 1-core workers that is 2 workers.
        self.assertAlmostEqual(c.peak_cores, 1.0)
        self.assertEqual(c.workers, 2)
        # 20 actions × 1,000,000 × 30 days; 20 × 27.78/s = 555.6 actions/s, past the 500 default.
        self.assertEqual(c.cloud_actions_per_month, 600_000_000)
        self.assertAlmostEqual(c.cloud_actions_per_s, 555.5556, places=4)
        # 25,000 B × 1,000,000 × 30 days retention = 750 GB; × 7 open days = 175 GB.
        self.assertAlmostEqual(c.cloud_retained_gb, 750.0)
        self.assertAlmostEqual(c.cloud_active_gb, 175.0)
        # 45 × 27.78/s = 1,250 state transitions/s; a shard writes 1/10 ms × 50 % = 50/s,
        # so 25 shards, below the 512 floor.
        self.assertAlmostEqual(c.state_transitions_per_s, 1250.0)
        self.assertEqual(c.shards_needed, 25)
        self.assertEqual(c.history_shards, 512)
        # Per tenant: 3 calls × 27.78/s / 100 = 0.833/s → 500 per 10 min, × 0.5 s = 0.417 in flight.
        self.assertAlmostEqual(c.graph_per_tenant_per_10min, 500.0)
        self.assertAlmostEqual(c.graph_per_tenant_concurrent, 0.416667, places=5)
        # One organizer per tenant: 1,000,000 × 30 / 100 meetings a month.
        self.assertAlmostEqual(c.meetings_per_organizer_month, 300_000.0)
        # 4 mails × 1,000,000 a day; 4 × 27.78/s × 60 = 6,666.7 a minute at peak.
        self.assertAlmostEqual(c.mails_per_day, 4_000_000.0)
        self.assertAlmostEqual(c.mails_per_minute, 6666.6667, places=4)

    def test_ten_thousand_a_day(self) -> None:
        c = capacity.model(self.lc, 10_000, self.a)
        # 0.2778 lifecycles/s: 0.01 cores, so the availability floor of 2 workers decides.
        self.assertAlmostEqual(c.peak_cores, 0.01)
        self.assertEqual(c.workers, 2)
        self.assertAlmostEqual(c.cloud_actions_per_s, 5.5556, places=4)
        self.assertEqual(c.shards_needed, 1)
        # 10,000 × 30 / 100 = 3,000 meetings per organizer, 150 % of 2,000.
        self.assertAlmostEqual(c.meetings_per_organizer_month, 3000.0)
        self.assertAlmostEqual(c.mails_per_day, 40_000.0)

    def test_workers_scale_past_the_floor(self) -> None:
        # 3,000,000 a day: 83.33/s × 0.036 = 3 cores → 6 workers at 50 %; at 75 % of
        # 2-core workers: 3 / 1.5 = 2.
        c = capacity.model(self.lc, 3_000_000, self.a)
        self.assertAlmostEqual(c.peak_cores, 3.0)
        self.assertEqual(c.workers, 6)
        a = capacity.Assumptions(target_utilisation=0.75, worker_cores=2.0)
        self.assertEqual(capacity.model(self.lc, 3_000_000, a).workers, 2)

    def test_shards_round_up_to_a_power_of_two_past_512(self) -> None:
        # 1 s per write at 50 %: 0.5 writes/s a shard; 1,250 / 0.5 = 2,500 → 4,096.
        a = capacity.Assumptions(db_write_ms=1000.0)
        c = capacity.model(self.lc, 1_000_000, a)
        self.assertEqual(c.shards_needed, 2500)
        self.assertEqual(c.history_shards, 4096)

    def test_a_whole_quotient_is_not_rounded_up(self) -> None:
        # 1,480,000 × 0.8 / 28,800 × 45 = 1,850 transitions/s, exactly 37 shards of 50/s
        # (in floats 37.00000000000001).
        self.assertEqual(capacity.model(self.lc, 1_480_000, self.a).shards_needed, 37)

    def test_peak_window_and_tenants_are_flags(self) -> None:
        # All of the day in 24 h is the average; 10 tenants carry 10 times the share each.
        a = capacity.Assumptions(peak_share=1.0, peak_hours=24.0, tenants=10)
        c = capacity.model(self.lc, 864_000, a)
        self.assertAlmostEqual(c.peak_per_s, 10.0)
        self.assertAlmostEqual(c.graph_per_tenant_per_10min, 10.0 * 3 / 10 * 600)

    def test_rss_is_the_largest_measured(self) -> None:
        self.assertEqual(self.lc.worker_rss_mib, 150.0)
        self.assertEqual(self.lc.rss_measured_at_open, 10_000)
        doc = load()
        doc["rss_mib"]["open_workflows"] = []
        lc = capacity.Lifecycle.from_bench(doc)
        self.assertEqual(lc.worker_rss_mib, 36.0)
        self.assertIsNone(lc.rss_measured_at_open)


class BadInput(unittest.TestCase):
    def assert_refused(self, doc: object, *fragments: str) -> None:
        with self.assertRaises(capacity.BenchError) as e:
            capacity.Lifecycle.from_bench(doc)
        for f in fragments:
            self.assertIn(f, str(e.exception))

    def test_missing_field_is_named(self) -> None:
        doc = load()
        del doc["per_lifecycle"]["state_transitions"]
        self.assert_refused(doc, "`per_lifecycle.state_transitions`")

    def test_missing_section_is_named(self) -> None:
        doc = load()
        del doc["cpu_seconds_per_1000"]
        self.assert_refused(doc, "no field `cpu_seconds_per_1000`", "cpu_seconds_per_1000.worker")

    def test_wrong_types_and_values(self) -> None:
        for path, value, fragment in [
            (("per_lifecycle", "mails"), "4", "not a number"),
            (("per_lifecycle", "graph_calls"), True, "not a number"),
            (("per_lifecycle", "billable_actions"), -1, "below 0"),
            (("rss_mib", "open_workflows"), {}, "not a list"),
            (("schema",), 2, "schema is 2"),
            (("rss_mib", "open_workflows"), [{"open": 10}], "`rss_mib.open_workflows[0].rss_mib`"),
        ]:
            with self.subTest(path=path):
                doc = copy.deepcopy(load())
                node = doc
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = value
                self.assert_refused(doc, fragment)

    def test_cli_fails_clearly_on_a_missing_field(self) -> None:
        doc = load()
        del doc["per_lifecycle"]["billable_actions"]
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "bench.json"
            path.write_text(json.dumps(doc))
            err, out = io.StringIO(), io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                status = capacity.main([str(path)])
        self.assertEqual(status, 2)
        self.assertEqual(out.getvalue(), "")
        self.assertIn("`per_lifecycle.billable_actions`", err.getvalue())

    def test_cli_refuses_text_that_is_not_json(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "bench.json"
            path.write_text("bench: 7.5 lifecycles/s\n")
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(capacity.main([str(path)]), 2)
        self.assertIn("capacity.py:", err.getvalue())


class Output(unittest.TestCase):
    def test_markdown_table(self) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(capacity.main([str(FIXTURE), "--markdown"]), 0)
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[0], "| appointments / day | 10,000 | 100,000 | 1,000,000 |")
        rows = {line.split(" | ")[0][2:]: line for line in lines if line.startswith("| ")}
        self.assertEqual(len(rows), len(capacity.ROWS) + 1)
        self.assertTrue(rows["Temporal Cloud actions/s at peak (limit 500)"]
                        .endswith("| 556 — 111 % OVER |"))
        self.assertIn("| 25 → 512 |", rows["self-hosted: history shards needed → numHistoryShards"])
        self.assertTrue(any(line.startswith("Assumed: --tenants 100,") for line in lines))

    def test_volumes_flag(self) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            capacity.main([str(FIXTURE), "--appointments", "5000,2_000_000"])
        self.assertIn("5,000", out.getvalue().splitlines()[0])
        self.assertIn("2,000,000", out.getvalue().splitlines()[0])


if __name__ == "__main__":
    unittest.main()
