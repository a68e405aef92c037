#!/usr/bin/python3
"""bench/controller: CreateVolume and DeleteVolume latency through CSI, the
controller role of the real binary against a real kube-apiserver, with three
nodes published as agents publish them. Prints p50/p99; asserts nothing.
Usage (under test/apiserver/with-apiserver): bench.py MESHSTOR [N]"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "test"))
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
from csipb import csi  # noqa: E402
import test_csi_endpoint  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    test_csi_endpoint.MESHSTOR = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    subprocess.run([os.path.join(TOP, "test/sanity/publish-nodes"), "3"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = test_csi_endpoint.Server(tmp).wait_serving()
        subprocess.run([os.path.join(TOP, "test/sanity/wait-ready"), server.sock], check=True)
        ch = server.channel()
        cap = csi.VolumeCapability()
        cap.mount.fs_type = "xfs"
        cap.access_mode.mode = csi.VolumeCapability.AccessMode.SINGLE_NODE_WRITER
        create, delete, ids = [], [], []
        for i in range(n):
            req = csi.CreateVolumeRequest(name="bench-%d" % i, volume_capabilities=[cap])
            t = time.perf_counter()
            resp = test_csi_endpoint.call(ch, "/csi.v1.Controller/CreateVolume", req,
                                          response=csi.CreateVolumeResponse)
            create.append((time.perf_counter() - t) * 1000)
            ids.append(resp.volume.volume_id)
        for volume_id in ids:
            t = time.perf_counter()
            test_csi_endpoint.call(ch, "/csi.v1.Controller/DeleteVolume",
                                   csi.DeleteVolumeRequest(volume_id=volume_id))
            delete.append((time.perf_counter() - t) * 1000)
        ch.close()
        server.stop()
    for name, values in (("CreateVolume", create), ("DeleteVolume", delete)):
        print("%s x%d (2 copies, 3 nodes, sequential): p50 %.1f ms  p99 %.1f ms  "
              "mean %.1f ms" % (name, n, percentile(values, 50), percentile(values, 99),
                                statistics.mean(values)))
    print("target: CreateVolume p50 < 50 ms: %s" % ("met" if percentile(create, 50) < 50
                                                    else "NOT met"))


if __name__ == "__main__":
    main()
