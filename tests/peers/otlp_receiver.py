"""A minimal OTLP/HTTP trace receiver: decodes each POST /v1/traces body with the
OpenTelemetry project's own protobuf definitions (PyPI opentelemetry-proto), independent of the
Rust exporter that sent it, and appends one JSON line per span to the file named by argv[1]:
{"service_name", "scope", "name", "trace_id", "span_id", "parent_span_id", "kind", "status",
"attributes"} (ids in hex; attribute values as strings, integers or booleans).

Prints the port it listens on (127.0.0.1, chosen by the OS) as its first stdout line."""
import gzip
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

OUT = sys.argv[1]


def value(v):
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind in ("string_value", "int_value", "bool_value", "double_value") else str(v)


def attributes(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path != "/v1/traces" or not self.headers.get("Content-Type", "").startswith(
            "application/x-protobuf"
        ):
            self.send_error(404 if self.path != "/v1/traces" else 415)
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        lines = []
        for rs in request.resource_spans:
            service = attributes(rs.resource.attributes).get("service.name")
            for ss in rs.scope_spans:
                for span in ss.spans:
                    lines.append(
                        json.dumps(
                            {
                                "service_name": service,
                                "resource": attributes(rs.resource.attributes),
                                "scope": ss.scope.name,
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_span_id": span.parent_span_id.hex(),
                                "kind": Span.SpanKind.Name(span.kind),
                                "status": Status.StatusCode.Name(span.status.code),
                                "attributes": attributes(span.attributes),
                            }
                        )
                    )
        with open(OUT, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
