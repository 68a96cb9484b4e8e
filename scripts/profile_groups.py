#!/usr/bin/env python3
"""Shares of the worker's CPU by what it was doing, from `perf script -F comm,ip,sym` output
(call graphs recorded with --call-graph dwarf) on stdin.

Each sample counts once, for the first group (in the order below) that any frame of its stack
matches; the rest is `other`. The groups are the costs docs/performance.md tracks before and after
a change. Used by scripts/profile-worker.sh.

`profile_groups.py --compare MEETFLOW FLOOR --lifecycles N --hz F` reads two such outputs (the
worker's and the same-shape floor worker's, over the same number of lifecycles) and prints each
group's CPU-ms per lifecycle for both and their difference: what meetflow adds to the SDK's
floor, by cost. Used by scripts/profile-vs-floor.sh. Groups meetflow alone has (store, outbox,
Graph, composition) compare exactly; the SDK's own groups less so, as perf unwinds some of its
threads' stacks in one binary's process and not the other's (they land in `other`).
"""
import collections
import re
import sys

GROUPS = [
    ("gRPC gzip (tonic compression, flate2/miniz)", r"tonic::codec::compression|flate2|miniz_oxide"),
    ("store (sqlx, SQLite)", r"sqlx|sqlite3"),
    ("mail outbox (write, fsync, rename)", r"meetflow_mail::outbox"),
    # The outbox's kernel work, whose stacks perf often cannot unwind back into the outbox's
    # frames (the store's SQLite writes matched above; it does not fsync).
    ("files: fsync, create, link, rename (kernel)", r"vfs_fsync|do_fsync|do_filp_open|do_linkat|vfs_link|do_renameat|vfs_rename"),
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


def classify(lines):
    """(samples, samples per group, samples per innermost frame)"""
    compiled = [(name, re.compile(rx)) for name, rx in GROUPS]
    counts = collections.Counter()
    leaf = collections.Counter()
    total = 0
    for stack in stacks(lines):
        total += 1
        leaf[stack[0]] += 1
        for name, rx in compiled:
            if any(rx.search(frame) for frame in stack):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
    return total, counts, leaf


def compare(meetflow_file, floor_file, lifecycles, hz):
    with open(meetflow_file) as f:
        mine, mine_groups, _ = classify(f)
    with open(floor_file) as f:
        floor, floor_groups, _ = classify(f)
    if not mine or not floor:
        sys.exit("no samples in one of the profiles")
    per = 1000.0 / hz / lifecycles  # CPU-ms per lifecycle of one sample
    print(f"CPU-ms per lifecycle (perf's own cost included): meetflow {mine * per:.2f}, "
          f"floor {floor * per:.2f}, difference {(mine - floor) * per:.2f}")
    print(f"{'meetflow':>9} {'floor':>7} {'diff':>7}  cost")
    for name, _ in GROUPS + [("other", None)]:
        a, b = mine_groups[name] * per, floor_groups[name] * per
        print(f"{a:9.3f} {b:7.3f} {a - b:7.3f}  {name}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--compare":
        args = sys.argv[2:]
        if len(args) != 6 or args[2] != "--lifecycles" or args[4] != "--hz":
            sys.exit("usage: profile_groups.py --compare MEETFLOW FLOOR --lifecycles N --hz F")
        compare(args[0], args[1], int(args[3]), float(args[5]))
        return
    total, counts, leaf = classify(sys.stdin)
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
