#!/usr/bin/env python3
"""Capacity model for meetflow: from one `meetflow bench --json` run to 10k / 100k / 1M
appointments a day (docs/capacity.md explains every row).

    scripts/capacity.py bench.json [--appointments 10000,100000,1000000] [--markdown]

Every input is either a field of the bench JSON (schema: `per_lifecycle.*`,
`cpu_seconds_per_1000.worker`, `rss_mib.*`) or a constant below: CITED holds published limits
(value, what, source URL), Assumptions the assumptions, each one a command-line flag. Python 3.11,
standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA = 1


@dataclass(frozen=True)
class Cited:
    value: float
    what: str
    source: str


# Published limits. Checked 2026-12-01; each source says they may change.
CITED: dict[str, Cited] = {
    "cloud_aps_default": Cited(
        500, "Temporal Cloud default actions per second per namespace (On-Demand floor)",
        "https://docs.temporal.io/cloud/limits#actions-per-second"),
    "cloud_retention_default_days": Cited(
        30, "Temporal Cloud default retention of closed workflows, days (settable 1-90)",
        "https://docs.temporal.io/cloud/limits#default-retention-period"),
    "history_shards_example": Cited(
        512, "numHistoryShards in Temporal's configuration reference and in "
        "deploy/k8s/temporal/self-hosted/helm/temporal-values.yaml; immutable after the first run",
        "https://docs.temporal.io/references/configuration#numhistoryshards"),
    "graph_outlook_requests_per_10min": Cited(
        10_000, "Graph Outlook (calendar) requests per app and mailbox per 10 minutes",
        "https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits"),
    "graph_outlook_concurrent": Cited(
        4, "Graph Outlook concurrent requests per app and mailbox",
        "https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits"),
    "graph_meetings_per_user_month": Cited(
        2_000, "Graph cloud communications 'meeting information': meetings per user per month",
        "https://learn.microsoft.com/graph/throttling-limits#cloud-communication-service-limits"),
    "exo_messages_per_minute": Cited(
        30, "Exchange Online message rate limit per mailbox (SMTP client submission), per minute",
        "https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1"),
    "exo_recipients_per_day": Cited(
        10_000, "Exchange Online recipient rate limit per mailbox, per day",
        "https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1"),
}


def _flag(default: float, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Assumptions:
    """Not measured, not published: each is a flag (`--peak-share` …) so a reader can put in
    their own. The defaults are the ones docs/capacity.md's table uses."""

    tenants: int = _flag(100, "PSA tenants, equal shares, one organizer mailbox each")
    peak_share: float = _flag(0.8, "share of a day's lifecycles in the peak window")
    peak_hours: float = _flag(8.0, "hours of the peak window (business hours, one time zone)")
    target_utilisation: float = _flag(0.5, "share of each worker's cores busy at peak")
    worker_cores: float = _flag(1.0, "cores per worker process")
    min_workers: int = _flag(2, "availability floor (deploy/k8s/worker: replicas 2)")
    retention_days: float = _flag(float(CITED["cloud_retention_default_days"].value),
                                  "retention of closed workflows, days")
    open_days: float = _flag(7.0, "mean days from approval to close (active storage)")
    days_per_month: float = _flag(30.0, "days in a billing month")
    graph_latency_ms: float = _flag(500.0, "mean latency of one real Graph call, ms")
    db_write_ms: float = _flag(10.0, "one write (commit) of the Temporal history store, ms")
    shard_utilisation: float = _flag(0.5, "share of a history shard's serial writes used at peak")


class BenchError(Exception):
    """The bench JSON lacks a field or holds a value the model cannot use."""


def _lookup(doc: Any, path: str, within: str = "") -> Any:
    """`doc[a][b]` for path "a.b"; `within` names where `doc` sits in the whole JSON."""
    node = doc
    walked = [within] if within else []
    for key in path.split("."):
        walked.append(key)
        if not isinstance(node, dict) or key not in node:
            raise BenchError(
                f"bench JSON has no field `{'.'.join(walked)}` (needed: "
                f"`{'.'.join(filter(None, [within, path]))}`); is it `meetflow bench --json` "
                f"output of schema {SCHEMA}?")
        node = node[key]
    return node


def number(doc: Any, path: str, within: str = "") -> float:
    value = _lookup(doc, path, within)
    path = ".".join(filter(None, [within, path]))
    # bool is an int in Python; a true/false where a count belongs is a schema error.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BenchError(f"bench JSON field `{path}` is {value!r}, not a number")
    if value < 0:
        raise BenchError(f"bench JSON field `{path}` is {value}, below 0")
    return float(value)


def _describe_run(doc: dict) -> str:
    machine = doc.get("machine") if isinstance(doc.get("machine"), dict) else {}
    parts = [f"meetflow {doc['meetflow_version']}" if "meetflow_version" in doc else "",
             f"{machine['cpus']} CPUs" if "cpus" in machine else "",
             str(machine["model"]) if "model" in machine else ""]
    return ", ".join(p for p in parts if p) or "version and machine not given"


@dataclass(frozen=True)
class Lifecycle:
    """What one appointment's lifecycle costs, as the bench measured it."""

    billable_actions: float
    state_transitions: float
    history_bytes: float
    graph_calls: float
    mails: float
    worker_cpu_seconds: float
    worker_rss_mib: float
    rss_measured_at_open: int | None
    measured_at: str
    profile: str
    path: str
    run: str  # version and machine, for the reader only (not needed by the model)

    @staticmethod
    def from_bench(doc: Any) -> Lifecycle:
        if not isinstance(doc, dict):
            raise BenchError("bench JSON is not an object")
        schema = _lookup(doc, "schema")
        if schema != SCHEMA:
            raise BenchError(f"bench JSON schema is {schema!r}; this script reads schema {SCHEMA}")
        open_runs = _lookup(doc, "rss_mib.open_workflows")
        if not isinstance(open_runs, list):
            raise BenchError("bench JSON field `rss_mib.open_workflows` is not a list")
        # The worker's memory is bounded by its sticky cache, not by how many workflows are
        # open (docs/performance.md), so the largest RSS measured stands for a busy worker.
        rss = number(doc, "rss_mib.after_lifecycles")
        rss_open: int | None = None
        for i, run in enumerate(open_runs):
            within = f"rss_mib.open_workflows[{i}]"
            if not isinstance(run, dict):
                raise BenchError(f"bench JSON field `{within}` is not an object")
            run_rss, run_open = number(run, "rss_mib", within), number(run, "open", within)
            if run_rss >= rss:
                rss, rss_open = run_rss, int(run_open)
        return Lifecycle(
            billable_actions=number(doc, "per_lifecycle.billable_actions"),
            state_transitions=number(doc, "per_lifecycle.state_transitions"),
            history_bytes=number(doc, "per_lifecycle.history_bytes"),
            graph_calls=number(doc, "per_lifecycle.graph_calls"),
            mails=number(doc, "per_lifecycle.mails"),
            worker_cpu_seconds=number(doc, "cpu_seconds_per_1000.worker") / 1000.0,
            worker_rss_mib=rss,
            rss_measured_at_open=rss_open,
            measured_at=str(_lookup(doc, "measured_at")),
            profile=str(_lookup(doc, "profile")),
            path=str(_lookup(doc, "path")),
            run=_describe_run(doc),
        )


def ceil(x: float) -> int:
    """Round up, but not a quotient that is whole up to float error (2.0000000000000004)."""
    return math.ceil(round(x, 9))


def next_power_of_two(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


@dataclass(frozen=True)
class Capacity:
    """The model's answer for one volume of appointments a day."""

    appointments: int
    peak_per_s: float                 # lifecycles started per second in the peak window
    average_per_s: float
    peak_cores: float                 # worker CPU busy at peak
    workers: int
    worker_rss_mib: float
    cloud_actions_per_month: float
    cloud_actions_per_s: float        # at peak
    cloud_retained_gb: float
    cloud_active_gb: float
    state_transitions_per_s: float    # at peak
    average_state_transitions_per_s: float
    shards_needed: int
    history_shards: int
    graph_per_tenant_per_10min: float  # at peak
    graph_per_tenant_concurrent: float  # at peak
    meetings_per_organizer_month: float
    mails_per_day: float
    mails_per_minute: float           # at peak


def model(lc: Lifecycle, appointments: int, a: Assumptions) -> Capacity:
    peak = appointments * a.peak_share / (a.peak_hours * 3600)
    average = appointments / 86_400
    peak_cores = peak * lc.worker_cpu_seconds
    st = peak * lc.state_transitions
    # A History Shard runs one persistence operation at a time (Temporal's History Shard
    # docs), so one shard writes at most 1 / write latency times a second.
    per_shard = 1000.0 / a.db_write_ms * a.shard_utilisation
    shards_needed = ceil(st / per_shard)
    graph_per_tenant = peak * lc.graph_calls / a.tenants
    gb = 1e9
    return Capacity(
        appointments=appointments,
        peak_per_s=peak,
        average_per_s=average,
        peak_cores=peak_cores,
        workers=max(a.min_workers, ceil(peak_cores / (a.target_utilisation * a.worker_cores))),
        worker_rss_mib=lc.worker_rss_mib,
        cloud_actions_per_month=appointments * lc.billable_actions * a.days_per_month,
        cloud_actions_per_s=peak * lc.billable_actions,
        cloud_retained_gb=appointments * lc.history_bytes * a.retention_days / gb,
        cloud_active_gb=appointments * lc.history_bytes * a.open_days / gb,
        state_transitions_per_s=st,
        average_state_transitions_per_s=average * lc.state_transitions,
        shards_needed=shards_needed,
        history_shards=max(int(CITED["history_shards_example"].value),
                           next_power_of_two(shards_needed)),
        graph_per_tenant_per_10min=graph_per_tenant * 600,
        graph_per_tenant_concurrent=graph_per_tenant * a.graph_latency_ms / 1000.0,
        meetings_per_organizer_month=appointments * a.days_per_month / a.tenants,
        mails_per_day=appointments * lc.mails,
        mails_per_minute=peak * lc.mails * 60,
    )


def fmt(x: float) -> str:
    x = round(float(x), 9)  # 50.000000000000014 is 50
    if x.is_integer() or x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.2g}"


def against(value: float, limit_key: str) -> str:
    """`value — share % of the limit`, with OVER past it."""
    share = value / CITED[limit_key].value * 100
    text = f"{fmt(value)} — {share:,.0f} %" if share >= 1 else f"{fmt(value)} — {share:.1g} %"
    return text + " OVER" if share > 100 else text


def limit(key: str) -> str:
    return f"(limit {fmt(CITED[key].value)})"


# (row label, cell of one Capacity). The order is docs/capacity.md's.
ROWS = [
    ("lifecycles/s at peak (average)", lambda c: f"{fmt(c.peak_per_s)} ({fmt(c.average_per_s)})"),
    ("workers", lambda c: fmt(c.workers)),
    ("worker CPU at peak, cores", lambda c: fmt(c.peak_cores)),
    ("worker RSS each / all workers, MiB",
     lambda c: f"{fmt(c.worker_rss_mib)} / {fmt(c.worker_rss_mib * c.workers)}"),
    ("Temporal Cloud actions / month", lambda c: fmt(c.cloud_actions_per_month)),
    (f"Temporal Cloud actions/s at peak {limit('cloud_aps_default')}",
     lambda c: against(c.cloud_actions_per_s, "cloud_aps_default")),
    ("Temporal Cloud retained storage, GB", lambda c: fmt(c.cloud_retained_gb)),
    ("Temporal Cloud active storage, GB", lambda c: fmt(c.cloud_active_gb)),
    ("self-hosted: state transitions/s at peak (average)",
     lambda c: f"{fmt(c.state_transitions_per_s)} ({fmt(c.average_state_transitions_per_s)})"),
    ("self-hosted: history shards needed → numHistoryShards",
     lambda c: f"{fmt(c.shards_needed)} → {fmt(c.history_shards)}"),
    ("PostgreSQL writes/s at peak (≈ state transitions/s)",
     lambda c: fmt(c.state_transitions_per_s)),
    (f"Graph per tenant: requests / 10 min at peak {limit('graph_outlook_requests_per_10min')}",
     lambda c: against(c.graph_per_tenant_per_10min, "graph_outlook_requests_per_10min")),
    (f"Graph per tenant: concurrent requests at peak {limit('graph_outlook_concurrent')}",
     lambda c: against(c.graph_per_tenant_concurrent, "graph_outlook_concurrent")),
    (f"Graph per organizer: meetings / month {limit('graph_meetings_per_user_month')}",
     lambda c: against(c.meetings_per_organizer_month, "graph_meetings_per_user_month")),
    (f"mails / day, one sending mailbox {limit('exo_recipients_per_day')}",
     lambda c: against(c.mails_per_day, "exo_recipients_per_day")),
    (f"mails / minute at peak {limit('exo_messages_per_minute')}",
     lambda c: against(c.mails_per_minute, "exo_messages_per_minute")),
]


def render(lc: Lifecycle, volumes: list[int], a: Assumptions, markdown: bool) -> str:
    results = [model(lc, v, a) for v in volumes]
    header = ["appointments / day"] + [f"{v:,}" for v in volumes]
    body = [[label] + [cell(c) for c in results] for label, cell in ROWS]
    lines = []
    if markdown:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|---" + "|---:" * len(volumes) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in body]
    else:
        widths = [max(len(r[c]) for r in [header] + body) for c in range(len(header))]
        for r in [header] + body:
            lines.append("  ".join(r[0].ljust(widths[0]) if c == 0 else r[c].rjust(widths[c])
                                   for c in range(len(r))))
    at = (f"at {lc.rss_measured_at_open:,} open workflows" if lc.rss_measured_at_open is not None
          else "after the lifecycles")
    notes = [
        f"Measured: `meetflow bench --json` of {lc.measured_at} ({lc.run}; {lc.profile} build, "
        f"path `{lc.path}`): per lifecycle {fmt(lc.billable_actions)} billable actions, "
        f"{fmt(lc.state_transitions)} state transitions, {fmt(lc.history_bytes)} history bytes, "
        f"{fmt(lc.graph_calls)} Graph calls, {fmt(lc.mails)} mails, "
        f"{fmt(lc.worker_cpu_seconds * 1000)} worker CPU-s per 1,000 lifecycles; worker RSS "
        f"{fmt(lc.worker_rss_mib)} MiB {at}.",
        "Assumed: " + ", ".join(f"--{f.name.replace('_', '-')} {getattr(a, f.name):g}"
                                for f in fields(a)) + ".",
    ]
    if not markdown:  # docs/capacity.md lists the limits with their sources itself
        notes.append("Limits: " + "; ".join(f"{c.what} = {fmt(c.value)} <{c.source}>"
                                            for c in CITED.values()) + ".")
    lines.append("")
    # Two trailing spaces: a Markdown line break between the notes.
    lines += [n + "  " if markdown else n for n in notes]
    return "\n".join(lines) + "\n"


def parse_volumes(text: str) -> list[int]:
    try:
        volumes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers")
    if not volumes or any(v <= 0 for v in volumes):
        raise argparse.ArgumentTypeError("give positive integers, e.g. 10000,100000")
    return volumes


def main(argv: list[str] | None = None) -> int:
    defaults = Assumptions()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("bench_json", type=Path, help="output of `meetflow bench --json` ('-' = stdin)")
    p.add_argument("--appointments", type=parse_volumes, default=[10_000, 100_000, 1_000_000],
                   help="appointments per day, comma-separated")
    p.add_argument("--markdown", action="store_true", help="a Markdown table for docs/capacity.md")
    for f in fields(Assumptions):
        p.add_argument("--" + f.name.replace("_", "-"), type=type(getattr(defaults, f.name)),
                       default=getattr(defaults, f.name), dest=f.name, help=f.metadata["help"])
    args = p.parse_args(argv)
    a = Assumptions(**{f.name: getattr(args, f.name) for f in fields(Assumptions)})
    for f in fields(a):
        if getattr(a, f.name) <= 0:
            p.error(f"--{f.name.replace('_', '-')} must be above 0")
    if a.peak_share > 1 or a.peak_hours > 24:
        p.error("--peak-share is at most 1 and --peak-hours at most 24")
    try:
        text = sys.stdin.read() if str(args.bench_json) == "-" else args.bench_json.read_text()
        doc = json.loads(text)
        lc = Lifecycle.from_bench(doc)
    except (OSError, json.JSONDecodeError, BenchError) as e:
        print(f"capacity.py: {args.bench_json}: {e}", file=sys.stderr)
        return 2
    if lc.profile != "release":
        print(f"capacity.py: warning: the bench ran a {lc.profile} build; CPU figures are not "
              "a release worker's", file=sys.stderr)
    if lc.path != "full":
        print(f"capacity.py: warning: the bench ran path `{lc.path}`; the model takes each "
              "appointment to be one such lifecycle", file=sys.stderr)
    sys.stdout.write(render(lc, args.appointments, a, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
