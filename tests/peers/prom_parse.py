"""Parses Prometheus text exposition (stdin) with prometheus_client's own parser, independent of
the exporter that wrote it, and prints the samples as JSON lines: {"name", "labels", "value"}."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps({"name": sample.name, "labels": sample.labels, "value": sample.value}))
