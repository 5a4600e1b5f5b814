"""A merchant's webhook endpoint on loopback, for the tests that follow a delivery to its end."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Answers with the queued statuses (then 200) and keeps what it got, in order of arrival."""

    def __init__(self):
        self.statuses: list[int] = []
        self.received: list[tuple[dict, bytes]] = []
        self.arrived = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with owner.arrived:
                    owner.received.append((dict(self.headers), body))
                    status = owner.statuses.pop(0) if owner.statuses else 200
                    owner.arrived.notify_all()
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"nope")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, status: str, tracking_number: str, timeout: float = 10) -> tuple[dict, bytes]:
        """The (headers, raw body) of the status-change webhook of that parcel, once it has arrived."""

        def found():
            for headers, body in self.received:
                data = json.loads(body)["data"]
                if data["status"] == status and data["tracking_number"] == tracking_number:
                    return headers, body
            return None

        with self.arrived:
            self.arrived.wait_for(found, timeout=timeout)
            hit = found()
        assert hit, f"no {status!r} webhook for {tracking_number} within {timeout} s"
        return hit

    def close(self):
        self.server.shutdown()
        self.server.server_close()
