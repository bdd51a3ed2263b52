#!/usr/bin/env python3
"""An independent Standard Webhooks receiver for adgen's tests.

Every request is verified with the official `standardwebhooks` package (never with adgen's code) and logged as
one JSON line. A fault plan makes it misbehave the way real receivers do.

    pip install standardwebhooks==1.1.0
    scripts/webhooks/receiver.py --secret whsec_... --port 0 --log /tmp/hooks.jsonl --fail-first 2

It prints `listening <port>` once bound, then serves until killed.
"""
import argparse
import hashlib
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True, help="the whsec_ secret to verify with")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer the first N verified requests 500, 429 (Retry-After: 1), 500, ...")
    parser.add_argument("--status-for", action="append", default=[], metavar="TYPE=CODE",
                        help="always answer CODE to events of TYPE")
    parser.add_argument("--slow", type=float, default=0, metavar="SECONDS", help="wait before answering")
    parser.add_argument("--huge-body", type=int, default=0, metavar="BYTES", help="answer 200 with BYTES, streamed")
    parser.add_argument("--redirect", metavar="URL", help="answer 302 to URL")
    arguments = parser.parse_args()
    arguments.status_for = {type_: int(code) for type_, code in (item.split("=", 1) for item in arguments.status_for)}
    return arguments


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    arguments = None
    lock = threading.Lock()
    verified_count = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            Webhook(self.arguments.secret).verify(body, dict(self.headers.items()), json_parse=False)
            verified = True
        except WebhookVerificationError:
            verified = False
        try:
            event_type = json.loads(body).get("type")
        except (ValueError, AttributeError):
            event_type = None
        record = {
            "id": self.headers.get("webhook-id"),
            "timestamp": self.headers.get("webhook-timestamp"),
            "type": event_type,
            "verified": verified,
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        status, headers = self.plan(verified, event_type)
        if self.arguments.slow:
            time.sleep(self.arguments.slow)
        record["status"] = status
        if status == 200 and self.arguments.huge_body:
            record["sent"] = self.stream(self.arguments.huge_body)
            self.write_log(record)
            return
        self.write_log(record)  # before answering, so the log is complete when the sender has its answer
        answer = json.dumps({"status": status, "verified": verified}).encode()
        self.send_response(status)
        for name, value in headers + [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer)

    def plan(self, verified, event_type):
        """The status and extra headers of the answer."""
        if not verified:
            return 401, []
        with self.lock:
            Receiver.verified_count += 1
            number = Receiver.verified_count
        if number <= self.arguments.fail_first:
            return (500, []) if number % 2 == 1 else (429, [("Retry-After", "1")])
        if event_type in self.arguments.status_for:
            return self.arguments.status_for[event_type], []
        if self.arguments.redirect:
            return 302, [("Location", self.arguments.redirect)]
        return 200, []

    def stream(self, size):
        """Answers 200 with `size` bytes in 64 KB chunks; returns how many were written before the peer left."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk, sent = b"x" * 65536, 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        return sent

    def write_log(self, record):
        if self.arguments.log:
            with self.lock, open(self.arguments.log, "a") as log:
                log.write(json.dumps(record) + "\n")

    def log_message(self, format, *args):
        pass  # quiet: the JSON log is the record


def main():
    # A parent may start us with signals blocked (Foundation's Process does): let SIGTERM and Ctrl-C stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    Receiver.arguments = parse_arguments()
    server = ThreadingHTTPServer(("127.0.0.1", Receiver.arguments.port), Receiver)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
