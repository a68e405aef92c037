#!/usr/bin/python3
"""`meshstor cleanup` against a real kube-apiserver (test/apiserver/with-apiserver
provides KUBECONFIG and KUBECTL): after an uninstall it deletes the per-node
objects and the agents' Leases, refuses while an agent still renews its Lease
or a MeshStorVolume exists, and with --i-understand-data-is-lost releases the
volumes from the node agents' finalizers. Usage: test_cleanup.py MESHSTOR
PUBLISH_NODES"""
import datetime
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import unittest

_loader = importlib.machinery.SourceFileLoader(
    "agent_sim", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sanity",
                              "agent-sim"))
agent_sim = importlib.util.module_from_spec(importlib.util.spec_from_loader("agent_sim", _loader))
_loader.exec_module(agent_sim)

MESHSTOR = PUBLISH = None
NS = "meshstor"


def kubectl(*args, stdin=None):
    r = subprocess.run([os.environ["KUBECTL"], "--kubeconfig", os.environ["KUBECONFIG"], *args],
                       input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("kubectl %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


def names(kind, *args):
    return sorted(o["metadata"]["name"]
                  for o in json.loads(kubectl("get", kind, *args, "-o", "json"))["items"])


def cleanup(*args):
    return subprocess.run([MESHSTOR, "cleanup", *args], capture_output=True, text=True,
                          timeout=120)


# Short, so that each run of cleanup watches the Leases for seconds, not the agents' 40.
def lease(name, holder, renewed, duration=3):
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration,
                     "renewTime": renewed.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}


def volume(name, finalizers, claim=None):
    meta = {"name": name, "finalizers": finalizers}
    if claim:
        meta["labels"] = {"csi.meshstor.io/pvc-namespace": claim[0],
                          "csi.meshstor.io/pvc-name": claim[1]}
    return {"apiVersion": "csi.meshstor.io/v1alpha1", "kind": "MeshStorVolume",
            "metadata": meta,
            "spec": {"requestName": "req-" + name, "capacityBytes": 1 << 30,
                     "numberOfCopies": 1, "drivesPerCopy": 1,
                     "memberMissingTimeoutSeconds": 900, "sectorSize": 4096, "fsType": "xfs",
                     "epoch": 1,
                     "members": [{"index": 0, "copy": 0, "stripe": 0,
                                  "nodeName": "sanity-node-1", "drive": "sanity-node-1-s1",
                                  "partitionUUID": "5d0c2f3e-1a2b-4c3d-8e4f-a0b1c2d3e4f5",
                                  "sizeBytes": (1 << 30) + (16 << 20)}]}}


def apply(*objs):
    kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List",
                                                 "items": list(objs)}))


LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)


class Cleanup(unittest.TestCase):
    """Each test starts from what an uninstall leaves: two nodes with their
    drives, their agents' Leases (renewTime long past; cleanup still watches
    each for its duration, since renewTime is the agent's clock), and a Lease
    of someone else's in the same namespace."""

    def setUp(self):
        subprocess.run([PUBLISH, "2"], check=True)
        agent_sim.ensure_namespace()
        apply(lease("meshstor-node-sanity-node-1", "sanity-node-1", LONG_AGO),
              lease("meshstor-node-sanity-node-2", "sanity-node-2", LONG_AGO),
              lease("external-attacher-leader", "controller-0", LONG_AGO))

    def tearDown(self):
        # Whatever a test left, so that the next starts from an uninstall.
        for name in names("msvol"):
            kubectl("patch", "msvol", name, "--type=merge", "-p",
                    '{"metadata":{"finalizers":null}}')
        kubectl("delete", "msvol", "--all", "--wait=false")

    def assertUntouched(self):
        self.assertEqual(names("msnode"), ["sanity-node-1", "sanity-node-2"])
        self.assertEqual(len(names("msnd")), 4)
        self.assertEqual(len(names("lease", "-n", NS)), 3)

    def test_cleans_up(self):
        r = cleanup()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(names("msnode"), [])
        self.assertEqual(names("msnd"), [])
        # Only the agents' Leases; a sidecar's leader election is not ours.
        self.assertEqual(names("lease", "-n", NS), ["external-attacher-leader"])
        self.assertIn('meshstornode.csi.meshstor.io "sanity-node-1" deleted', r.stdout)
        self.assertIn('lease.coordination.k8s.io "meshstor-node-sanity-node-2" deleted',
                      r.stdout)
        # Again: nothing left to do, and that is no error.
        r = cleanup()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_refuses_while_agents_run(self):
        halt = agent_sim.start()
        try:
            r = cleanup()
        finally:
            halt()
        self.assertEqual(r.returncode, 1)
        self.assertIn("still runs on sanity-node-1 and sanity-node-2", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertUntouched()
        # Stopped: a Lease renewed moments ago is watched for its duration
        # (agent-sim's: 6 s), not judged by its renewTime.
        start = time.monotonic()
        r = cleanup()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreaterEqual(time.monotonic() - start, 5)
        self.assertEqual(names("msnode"), [])

    def test_refuses_while_an_agent_with_a_clock_behind_runs(self):
        # Renewed twice a second by an agent whose clock is years behind ours:
        # every renewTime looks long expired. Only the Lease's changes tell.
        stop = threading.Event()

        def renew():
            i = 0
            while not stop.is_set():
                i += 1
                apply(lease("meshstor-node-sanity-node-1", "sanity-node-1",
                            LONG_AGO + datetime.timedelta(seconds=i)))
                stop.wait(0.5)
        renewer = threading.Thread(target=renew, daemon=True)
        renewer.start()
        try:
            r = cleanup()
        finally:
            stop.set()
            renewer.join()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("still runs on sanity-node-1 (renewing its Lease)", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertUntouched()

    def test_refuses_while_volumes_exist(self):
        apply(volume("pvc-0123456789abcdef01234567", ["node.csi.meshstor.io/sanity-node-1"],
                     ("shop", "data-db-0")))
        r = cleanup()
        self.assertEqual(r.returncode, 1)
        self.assertIn("1 MeshStorVolume still exists (pvc-0123456789abcdef01234567 of claim "
                      "shop/data-db-0)", r.stderr)
        self.assertIn("--i-understand-data-is-lost", r.stderr)
        self.assertUntouched()
        self.assertEqual(names("msvol"), ["pvc-0123456789abcdef01234567"])
        # A dry run says what would go, and nothing goes.
        r = cleanup("--i-understand-data-is-lost", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('meshstorvolume.csi.meshstor.io "pvc-0123456789abcdef01234567" deleted '
                      "(dry run)", r.stdout)
        self.assertIn("finalizer node.csi.meshstor.io/sanity-node-1 removed (dry run)",
                      r.stdout)
        self.assertUntouched()
        self.assertEqual(names("msvol"), ["pvc-0123456789abcdef01234567"])

    def test_releases_a_node_gone_for_good(self):
        # Being deleted, its array last assembled on node 1; and one in use,
        # whose status.nodeName must stay (it tells which copy was local).
        a, b = "pvc-0123456789abcdef01234567", "pvc-76543210fedcba9876543210"
        apply(volume(a, ["node.csi.meshstor.io/sanity-node-1",
                         "node.csi.meshstor.io/sanity-node-2"]),
              volume(b, ["node.csi.meshstor.io/sanity-node-1", "example.com/keep"]))
        for name in (a, b):
            kubectl("patch", "msvol", name, "--subresource=status", "--type=merge", "-p",
                    '{"status":{"nodeName":"sanity-node-1"}}')
        kubectl("delete", "msvol", a, "--wait=false")

        def state(name):
            obj = json.loads(kubectl("get", "msvol", name, "-o", "json"))
            return obj["metadata"]["finalizers"], obj["status"].get("nodeName")
        before = state(a), state(b)
        r = cleanup("--node", "sanity-node-1", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('meshstorvolume.csi.meshstor.io "%s" status.nodeName sanity-node-1 '
                      "cleared (dry run)" % a, r.stdout)
        self.assertEqual((state(a), state(b)), before)
        # Refused while its agent renews its Lease; another node's agent
        # running is no reason to refuse.
        halt = agent_sim.start(dead=["sanity-node-2"])
        try:
            r = cleanup("--node", "sanity-node-1")
        finally:
            halt()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Refusing to release node sanity-node-1", r.stderr)
        self.assertEqual((state(a), state(b)), before)
        halt = agent_sim.start(dead=["sanity-node-1"])
        try:
            r = cleanup("--node", "sanity-node-1")
        finally:
            halt()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            'meshstorvolume.csi.meshstor.io "%s" status.nodeName sanity-node-1 cleared' % a,
            'meshstorvolume.csi.meshstor.io "%s" finalizer node.csi.meshstor.io/sanity-node-1 '
            "removed" % a,
            'meshstorvolume.csi.meshstor.io "%s" finalizer node.csi.meshstor.io/sanity-node-1 '
            "removed" % b])
        self.assertEqual(state(a), (["node.csi.meshstor.io/sanity-node-2"], None))
        self.assertEqual(state(b), (["example.com/keep"], "sanity-node-1"))
        # Deletes nothing but the finalizers.
        self.assertUntouched()
        # Again: nothing left to do.
        r = cleanup("--node", "sanity-node-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_gives_data_up_when_told(self):
        apply(volume("pvc-0123456789abcdef01234567",
                     ["node.csi.meshstor.io/sanity-node-1", "node.csi.meshstor.io/sanity-node-2"]),
              volume("pvc-76543210fedcba9876543210", ["node.csi.meshstor.io/sanity-node-1",
                                                      "example.com/keep"]))
        r = cleanup("--i-understand-data-is-lost")
        self.assertEqual(r.returncode, 0, r.stderr)
        # Ours released; another's finalizer is not ours to remove.
        for _ in range(50):
            left = names("msvol")
            if left == ["pvc-76543210fedcba9876543210"]:
                break
            time.sleep(0.1)
        self.assertEqual(left, ["pvc-76543210fedcba9876543210"])
        kept = json.loads(kubectl("get", "msvol", "pvc-76543210fedcba9876543210", "-o", "json"))
        self.assertEqual(kept["metadata"]["finalizers"], ["example.com/keep"])
        self.assertIn("deletionTimestamp", kept["metadata"])
        self.assertIn("example.com/keep", r.stderr)
        self.assertEqual(names("msnode"), [])


if __name__ == "__main__":
    MESHSTOR, PUBLISH = sys.argv.pop(1), sys.argv.pop(1)
    unittest.main(verbosity=2)
