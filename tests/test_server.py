"""The WSGI server's lanes: a write never waits for the searches that hold every thread."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from service.web.server import Lanes, is_write, make_server


class Request:
    def __init__(self, command: str, path: str):
        self.command, self.path = command, path


class Channel:
    """What waitress hands its dispatcher: a channel whose first request is to serve."""

    def __init__(self, command: str, path: str, hold: threading.Event | None = None):
        self.requests = [Request(command, path)]
        self.hold = hold
        self.served = threading.Event()

    def service(self) -> None:
        self.served.set()
        if self.hold is not None:
            self.hold.wait(10)

    def cancel(self) -> None:
        pass


@pytest.mark.parametrize(
    ("method", "path", "write"),
    [
        ("PUT", "/api/documents/a.txt", True),
        ("POST", "/api/documents", True),
        ("DELETE", "/api/documents/dossier/b.txt", True),
        ("GET", "/api/documents/a.txt", False),
        ("GET", "/api/search", False),
        ("POST", "/api/search", False),
        ("PUT", "/api/documentsX", False),
        ("HEAD", "/api/documents/a.txt", False),
    ],
)
def test_only_the_write_api_takes_the_write_lane(method, path, write):
    assert is_write(method, path) is write


def test_a_write_is_served_while_searches_hold_every_reading_thread():
    lanes = Lanes(threads=2, write_threads=1)
    release = threading.Event()
    try:
        searches = [Channel("GET", "/api/search", hold=release) for _ in range(3)]
        for channel in searches:
            lanes.add_task(channel)
        assert searches[0].served.wait(5) and searches[1].served.wait(5)
        write = Channel("PUT", "/api/documents/a.txt")
        lanes.add_task(write)
        assert write.served.wait(5)  # with one pool it would wait for a search to end
        assert not searches[2].served.is_set()  # the third search still waits its turn
    finally:
        release.set()
        searches[2].served.wait(5)  # before the lanes stop: shutdown cancels what waits
        lanes.shutdown(timeout=5)
    assert searches[2].served.is_set()


def test_a_request_waitress_could_not_parse_goes_to_the_reading_lane():
    lanes = Lanes(threads=1, write_threads=1)
    try:
        channel = Channel("", "")
        channel.requests = [object()]  # no command, no path: an error task
        lanes.add_task(channel)
        assert channel.served.wait(5)
    finally:
        lanes.shutdown(timeout=5)


def test_the_service_serves_with_its_lanes():
    server = make_server(Flask(__name__), "127.0.0.1", 0, threads=3, write_threads=2)
    try:
        lanes = server.task_dispatcher
        assert isinstance(lanes, Lanes)
        assert len(lanes.reads.threads) == 3 and len(lanes.writes.threads) == 2
    finally:
        server.close()
