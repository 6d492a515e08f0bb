#!/usr/bin/env bash
# Generates the gRPC modules, then runs the SDK's unittest suite with Debian's Python
# (the one that sees python3-grpcio and python3-protobuf). Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
python=/usr/bin/python3
if ! "$python" -c 'import grpc, google.protobuf' 2>/dev/null; then
  echo "run-tests.sh: $python cannot import grpc and google.protobuf;" \
    "apt-get install -y --no-install-recommends python3-grpcio python3-protobuf" >&2
  exit 1
fi
./generate.sh
exec "$python" -m unittest discover -s tests -v
