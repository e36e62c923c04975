"""Fixtures of the reliability suite."""

import http.server
import threading

import pytest
from reliability_support import WebHandler


@pytest.fixture(scope="session")
def web_server():
    """Base URL of a threaded server on 127.0.0.1: /page, /missing (404), /error (500), /slow (hangs)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebHandler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    WebHandler.release.set()
    httpd.shutdown()
    httpd.server_close()
