"""Shared by the tests: makes the SDK and the examples importable, and runs servers on
loopback ports."""

import os
import sys
from concurrent import futures

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(_HERE)
EXAMPLES = os.path.join(ROOT, 'examples')
for path in (ROOT, EXAMPLES):
    if path not in sys.path:
        sys.path.insert(0, path)

import grpc  # noqa: E402


def start(register, test_case):
    """Starts a gRPC server on a free loopback port with the servicers that ``register``
    adds; returns a channel to it. Both are closed when the test ends."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    register(server)
    port = server.add_insecure_port('127.0.0.1:0')
    server.start()
    channel = grpc.insecure_channel(f'127.0.0.1:{port}')
    test_case.addCleanup(lambda: server.stop(None).wait())
    test_case.addCleanup(channel.close)
    return channel, port


def trailers(error):
    """The trailing metadata of a failed call as a dict."""
    return dict(error.trailing_metadata() or ())
