#!/usr/bin/env python3
"""Shares of the worker's CPU by what it was doing, from `perf script -F comm,ip,sym` output
(call graphs recorded with --call-graph dwarf) on stdin.

Each sample counts once, for the first group (in the order below) that any frame of its stack
matches; the rest is `other`. The groups are the costs docs/performance.md tracks before and after
a change. Used by scripts/profile-worker.sh.
"""
import collections
import re
import sys

GROUPS = [
    ("gRPC gzip (tonic compression, flate2/miniz)", r"tonic::codec::compression|flate2|miniz_oxide"),
    ("store (sqlx, SQLite)", r"sqlx|sqlite3"),
    ("mail outbox (write, fsync, rename)", r"meetflow_mail::outbox"),
    ("mail and ICS composition", r"meetflow_mail::compose|meetflow_ics|render_ics"),
    ("Graph client (reqwest)", r"meetflow_graph|reqwest"),
    ("tracing (spans, log lines)", r"tracing_subscriber|tracing_core|tracing::span"),
    ("gRPC transport (tonic, h2, prost)", r"tonic::|h2::|hyper::proto::h2|prost::"),
    ("workflow code and state machines", r"workflow_executor|WorkflowFuture|temporalio_sdk_core::worker::workflow"),
    ("thread switches and wake-ups (kernel)", r"finish_task_switch|futex|__schedule|epoll_wait"),
    ("allocator (glibc malloc/free)", r"^(malloc|cfree|_int_free|_int_malloc|malloc_consolidate|realloc)"),
]


def stacks(lines):
    stack = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip() or line[0] not in " \t":
            if stack:
                yield stack
            stack = []
            continue
        parts = line.strip().split(" ", 1)
        if len(parts) == 2:
            stack.append(parts[1].rsplit(" (", 1)[0])
    if stack:
        yield stack


def main():
    compiled = [(name, re.compile(rx)) for name, rx in GROUPS]
    counts = collections.Counter()
    leaf = collections.Counter()
    total = 0
    for stack in stacks(sys.stdin):
        total += 1
        leaf[stack[0]] += 1
        for name, rx in compiled:
            if any(rx.search(frame) for frame in stack):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
    if not total:
        sys.exit("no samples on stdin")
    print(f"{total} samples")
    for name, _ in GROUPS + [("other", None)]:
        print(f"{100 * counts[name] / total:6.1f} %  {name}")
    print("top functions (self):")
    for name, n in leaf.most_common(12):
        print(f"{100 * n / total:6.1f} %  {name[:110]}")


if __name__ == "__main__":
    main()
