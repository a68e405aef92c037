#!/usr/bin/python3
"""bench/controller: the controller role of the real binary against a real
kube-apiserver, with NODES nodes published as agents publish them, as the
number of volumes in the cluster grows through LEVELS. At each level: the
controller's resident memory, the p50/p99 of CALLS sequential CreateVolume and
DeleteVolume calls as the client sees them, and a restart: the time to a ready
Probe (its caches listed and synced) and the memory once ready. Prints figures;
asserts nothing but that every call succeeds.
Usage (under test/apiserver/with-apiserver): bench.py MESHSTOR [LEVELS] [CALLS] [NODES]"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "test"))
sys.path.insert(0, os.path.join(TOP, "test", "integration"))
from csipb import csi  # noqa: E402
import test_csi_endpoint  # noqa: E402

VOLUME_BYTES = 512 << 20  # the smallest volume MeshStor makes
FILLERS = 4  # concurrent CreateVolume calls while the cluster grows to a level


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS for %d" % pid)


class Controller:
    def __init__(self, tmp):
        self.tmp = tmp
        self.server = None

    def start(self):
        """Starts the controller; returns the seconds to a ready Probe."""
        t = time.perf_counter()
        self.server = test_csi_endpoint.Server(
            self.tmp, args=["--heartbeat-timeout=3600"]).wait_serving()
        subprocess.run([os.path.join(TOP, "test/sanity/wait-ready"), self.server.sock, "600"],
                       check=True)
        self.ch = self.server.channel()
        return time.perf_counter() - t

    def stop(self):
        self.ch.close()
        if self.server.stop() != 0:
            raise AssertionError("controller did not stop cleanly:\n" + self.server.output())

    def create(self, name):
        cap = csi.VolumeCapability()
        cap.mount.fs_type = "xfs"
        cap.access_mode.mode = csi.VolumeCapability.AccessMode.SINGLE_NODE_WRITER
        req = csi.CreateVolumeRequest(name=name, volume_capabilities=[cap])
        req.capacity_range.required_bytes = VOLUME_BYTES
        resp = test_csi_endpoint.call(self.ch, "/csi.v1.Controller/CreateVolume", req,
                                      response=csi.CreateVolumeResponse)
        return resp.volume.volume_id

    def delete(self, volume_id):
        test_csi_endpoint.call(self.ch, "/csi.v1.Controller/DeleteVolume",
                               csi.DeleteVolumeRequest(volume_id=volume_id))


def timed(fn, arg):
    t = time.perf_counter()
    out = fn(arg)
    return out, (time.perf_counter() - t) * 1000


def main():
    test_csi_endpoint.MESHSTOR = os.path.abspath(sys.argv[1])
    levels = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "0,1000").split(",")]
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    nodes = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    # Room for every level's volumes (2 copies each) on the nodes' two drives.
    per_drive = (max(levels) + calls) * 2 * VOLUME_BYTES // (2 * nodes) + (100 << 30)
    env = dict(os.environ, PUBLISH_DRIVE_BYTES=str(per_drive))
    subprocess.run([os.path.join(TOP, "test/sanity/publish-nodes"), str(nodes)], check=True,
                   env=env)
    rows, count = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        ctl = Controller(tmp)
        ctl.start()
        for level in levels:
            with ThreadPoolExecutor(FILLERS) as pool:
                list(pool.map(ctl.create, ["fill-%d" % i for i in range(count, level)]))
            count = max(count, level)
            rss_warm = rss_mib(ctl.server.proc.pid)
            created = [timed(ctl.create, "bench-%d-%d" % (level, i)) for i in range(calls)]
            deleted = [timed(ctl.delete, vid)[1] for vid, _ in created]
            ctl.stop()
            ready_s = ctl.start()
            rows.append((level, rss_warm, rss_mib(ctl.server.proc.pid), ready_s,
                         [ms for _, ms in created], deleted))
        ctl.stop()
    print("controller, %d nodes, 2-copy volumes of 512 MiB, %d sequential calls per level"
          % (nodes, calls))
    print("%8s %10s %12s %10s %18s %18s" % ("volumes", "RSS MiB", "RSS restart", "ready s",
                                           "Create p50/p99 ms", "Delete p50/p99 ms"))
    for level, rss_warm, rss_new, ready_s, create, delete in rows:
        print("%8d %10.1f %12.1f %10.2f %18s %18s" % (
            level, rss_warm, rss_new, ready_s,
            "%.1f / %.1f" % (percentile(create, 50), percentile(create, 99)),
            "%.1f / %.1f" % (percentile(delete, 50), percentile(delete, 99))))
    create_all = [ms for row in rows for ms in row[4]]
    print("mean CreateVolume %.1f ms over every level; target: p50 < 50 ms at every level: %s"
          % (statistics.mean(create_all),
             "met" if all(percentile(r[4], 50) < 50 for r in rows) else "NOT met"))


if __name__ == "__main__":
    main()
