"""Python classes for proto/csi.proto and proto/pluginregistration.proto,
generated with protoc into a temporary directory at import time, so tests use
exactly the wire definitions we serve."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_gen = tempfile.mkdtemp(prefix="csipb-")
atexit.register(shutil.rmtree, _gen, ignore_errors=True)
subprocess.run(["protoc", "-I" + os.path.join(TOP, "proto"), "-I/usr/include",
                "--python_out=" + _gen, "csi.proto", "pluginregistration.proto"], check=True)
sys.path.insert(0, _gen)
import csi_pb2  # noqa: E402
import pluginregistration_pb2  # noqa: E402

csi = csi_pb2
registration = pluginregistration_pb2
