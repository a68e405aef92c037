#!/usr/bin/python3
"""The controller role against a real kube-apiserver (test/apiserver/with-apiserver
provides KUBECONFIG and KUBECTL), with three nodes published the way node
agents publish themselves. Usage: test_controller.py MESHSTOR PUBLISH_NODES"""
import json
import os
import re
import urllib.request
import tempfile
import time
import subprocess
import sys
import threading
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from csipb import csi  # noqa: E402
from test_csi_endpoint import Server, call  # noqa: E402
import prom_text  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sanity"))
import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402

_loader = importlib.machinery.SourceFileLoader(
    "agent_sim", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sanity",
                              "agent-sim"))
agent_sim = importlib.util.module_from_spec(importlib.util.spec_from_loader("agent_sim", _loader))
_loader.exec_module(agent_sim)

GIB = 1 << 30
MESHSTOR = PUBLISH = None


def kubectl(*args):
    return subprocess.run([os.environ["KUBECTL"], "--kubeconfig", os.environ["KUBECONFIG"],
                           *args], check=True, capture_output=True, text=True).stdout


def msvol(volume_id):
    return json.loads(kubectl("get", "msvol", volume_id, "-o", "json"))


def column(table, name):
    """The first row's value under header name in kubectl's table (columns are
    aligned; empty ones are blank, so splitting on spaces would shift them)."""
    header, row = table.splitlines()[:2]
    start = (" " + header + " ").index(" %s " % name)
    return row[start:].split(" ")[0] if row[start:start + 1] != " " else ""


def request(name, size=GIB, **params):
    cap = csi.VolumeCapability()
    cap.mount.fs_type = "xfs"
    cap.access_mode.mode = csi.VolumeCapability.AccessMode.SINGLE_NODE_WRITER
    req = csi.CreateVolumeRequest(name=name, volume_capabilities=[cap],
                                  parameters={k: str(v) for k, v in params.items()})
    req.capacity_range.required_bytes = size
    return req


class Controller(unittest.TestCase):
    """One controller, three published nodes, and helpers; no tests of its own."""

    @classmethod
    def setUpClass(cls):
        subprocess.run([PUBLISH, "3"], check=True)
        cls.tmpdir = tempfile.TemporaryDirectory(prefix="meshstor-controller-")
        cls.server = Server(cls.tmpdir.name,
                            args=["--metrics-address=127.0.0.1:0"]).wait_serving()
        cls.ch = cls.server.channel()
        for _ in range(200):
            if call(cls.ch, "/csi.v1.Identity/Probe", response=csi.ProbeResponse).ready.value:
                break
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.ch.close()
        assert cls.server.stop() == 0
        cls.tmpdir.cleanup()

    def scrape(self):
        """/metrics, checked for the format (prom_text.py)."""
        for _ in range(200):
            port = re.search(r"Serving /metrics on \S+ \(port (\d+)\)", self.server.output())
            if port:
                break
            time.sleep(0.05)
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port.group(1)) as r:
            self.assertEqual(r.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
            body = r.read().decode()
        self.assertEqual(prom_text.lint(body), "")
        self.families = set(re.findall(r"(?m)^# HELP (\S+)", body))
        return prom_text.parse(body)

    def create(self, req):
        return call(self.ch, "/csi.v1.Controller/CreateVolume", req,
                    response=csi.CreateVolumeResponse).volume

    def delete(self, volume_id):
        call(self.ch, "/csi.v1.Controller/DeleteVolume",
             csi.DeleteVolumeRequest(volume_id=volume_id))

    def code_of(self, fn, *args):
        try:
            fn(*args)
        except grpc.RpcError as e:
            return e.code(), e.details()
        return grpc.StatusCode.OK, ""

    def cap(self):
        return request("x").volume_capabilities[0]

    def publish(self, volume_id, node, timeout=20):
        return call(self.ch, "/csi.v1.Controller/ControllerPublishVolume",
                    csi.ControllerPublishVolumeRequest(volume_id=volume_id, node_id=node,
                                                       volume_capability=self.cap()),
                    response=csi.ControllerPublishVolumeResponse, timeout=timeout)

    def unpublish(self, volume_id, node, timeout=20):
        call(self.ch, "/csi.v1.Controller/ControllerUnpublishVolume",
             csi.ControllerUnpublishVolumeRequest(volume_id=volume_id, node_id=node),
             timeout=timeout)


class ControllerTest(Controller):
    def test_stop_signals_blocked_in_every_thread(self):
        """SIGTERM and SIGINT reach main's sigwait() only. A thread started with them
        unblocked (an informer's, before the CSI server blocked them) could take one:
        the default action ends the process without its shutdown, and in a container,
        where meshstor is PID 1, the kernel drops it and the kubelet's SIGKILL follows."""
        pid = self.server.proc.pid
        unblocked = []
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                mask = int(next(line for line in f if line.startswith("SigBlk:")).split()[1], 16)
            if not (mask >> 14) & 1 or not (mask >> 1) & 1:  # SIGTERM 15, SIGINT 2
                unblocked.append(int(tid))
        # The main thread unblocks them while it waits in sigwait().
        self.assertLessEqual(set(unblocked), {pid}, "threads that can take SIGTERM or SIGINT")

    def test_placement_recorded(self):
        v = self.create(request("it-placed", 2 * GIB, numberOfCopies=3))
        obj = msvol(v.volume_id)
        members = obj["spec"]["members"]
        self.assertEqual(len(members), 3)
        self.assertEqual(len({m["nodeName"] for m in members}), 3, "copies share a node")
        self.assertEqual({m["copy"] for m in members}, {0, 1, 2})
        self.assertTrue(all(m["sizeBytes"] >= 2 * GIB for m in members))
        self.assertEqual(obj["spec"]["epoch"], 0)
        # What `kubectl get msvol` shows before any agent has acted.
        self.assertEqual(obj["status"]["phase"], "Requested")
        self.assertEqual(obj["status"]["ready"], "0/3")
        self.delete(v.volume_id)

    def test_metrics(self):
        """What /metrics says agrees with the MeshStorVolumes and with the calls made."""
        v = self.create(request("it-metrics", GIB, numberOfCopies=2))
        code, _ = self.code_of(self.create, request("", GIB))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        for _ in range(100):  # the informer sees the new volume a moment later
            series = self.scrape()
            copies = prom_text.value(series, "meshstor_volume_copies", volume=v.volume_id)
            if copies is not None:
                break
            time.sleep(0.05)
        self.assertEqual(copies, 2)
        self.assertEqual(prom_text.value(series, "meshstor_volume_capacity_bytes",
                                         volume=v.volume_id), GIB)
        self.assertEqual(prom_text.value(series, "meshstor_volume_members_planned",
                                         volume=v.volume_id), 2)
        # No agent here: no array, so none active.
        self.assertEqual(prom_text.value(series, "meshstor_volume_members_active",
                                         volume=v.volume_id), 0)
        # Its status lists no member before an agent reports: no state to count.
        self.assertEqual([labels for name, labels in series if name == "meshstor_volume_members"
                          and ("volume", v.volume_id) in labels], [])
        phases = {dict(labels)["phase"]: value for (name, labels), value in series.items()
                  if name == "meshstor_volumes"}
        self.assertEqual(set(phases), {"Requested", "Creating", "Ready", "Degraded", "Syncing",
                                       "Expanding", "Replacing", "Deleting", "Broken",
                                       "FilesystemShutDown", "Unavailable"})
        self.assertEqual(sum(phases.values()),
                         len(json.loads(kubectl("get", "msvol", "-o", "json"))["items"]))
        self.assertGreaterEqual(phases["Requested"], 1)
        self.assertGreaterEqual(prom_text.value(series, "meshstor_csi_calls_total",
                                                method="CreateVolume", code="OK"), 1)
        self.assertGreaterEqual(prom_text.value(series, "meshstor_csi_calls_total",
                                                method="CreateVolume", code="INVALID_ARGUMENT"),
                                1)
        self.assertGreaterEqual(prom_text.value(series, "meshstor_csi_call_duration_seconds_count",
                                                method="CreateVolume"), 2)
        self.assertGreaterEqual(prom_text.value(series, "meshstor_kube_requests_total",
                                                verb="POST", code="201"), 1)
        self.assertEqual(prom_text.value(series, "meshstor_volume_phase", volume=v.volume_id,
                                         phase="Requested"), 1)
        # The three published nodes: no agent renews a Lease here.
        for node in ("sanity-node-1", "sanity-node-2", "sanity-node-3"):
            self.assertEqual(prom_text.value(series, "meshstor_node_live", node=node), 0, node)
            self.assertEqual(prom_text.value(series, "meshstor_node_lease_silence_seconds",
                                             node=node), -1, node)
        drives = json.loads(kubectl("get", "msnd", "-o", "json"))["items"]
        self.assertTrue(drives)
        for d in drives:
            labels = dict(node=d["spec"]["nodeName"], drive=d["metadata"]["name"])
            self.assertEqual(prom_text.value(series, "meshstor_drive_size_bytes", **labels),
                             d["spec"]["sizeBytes"])
            self.assertEqual(prom_text.value(series, "meshstor_drive_free_bytes", **labels),
                             d["status"]["freeBytes"])
        # docs/operations.md's table is what the alerts and the dashboard are held to
        # (deploy/prometheus/check): the controller serves what it lists, nothing else.
        docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                            "operations.md")
        rows = re.findall(r"(?m)^\| (`meshstor_[^|]*) \| (both|controller|node) \|",
                          open(docs).read())
        listed = {n: role for names, role in rows for n in re.findall(r"`(meshstor_\w+)`", names)}
        self.assertEqual({n for n, role in listed.items() if role != "node"} - self.families,
                         set(), "listed, not served")
        self.assertEqual(self.families - set(listed), set(), "served, not listed")
        self.delete(v.volume_id)

    def meshstor(self, *args):
        return subprocess.run([MESHSTOR, *args, "--kubeconfig", os.environ["KUBECONFIG"]],
                              capture_output=True, text=True, timeout=60)

    def test_inspect(self):
        """`meshstor status` and `meshstor volume` (kubectl meshstor) say what the API holds."""
        v = self.create(request("it-inspect", 2 * GIB, numberOfCopies=2))
        obj = msvol(v.volume_id)
        p = self.meshstor("status", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        view = json.loads(p.stdout)
        mine = [x for x in view["volumes"] if x["name"] == v.volume_id]
        self.assertEqual(len(mine), 1)
        self.assertEqual([(m["nodeName"], m["drive"], m["sizeBytes"]) for m in mine[0]["members"]],
                         [(m["nodeName"], m["drive"], m["sizeBytes"])
                          for m in obj["spec"]["members"]])
        self.assertEqual(mine[0]["phase"], "Requested")
        self.assertEqual(mine[0]["capacityBytes"], 2 * GIB)
        self.assertIsNone(mine[0]["claim"])
        nodes = json.loads(kubectl("get", "msnode", "-o", "json"))["items"]
        self.assertEqual(sorted(n["name"] for n in view["nodes"]),
                         sorted(n["metadata"]["name"] for n in nodes))
        drives = json.loads(kubectl("get", "msnd", "-o", "json"))["items"]
        self.assertEqual(len(view["drives"]), len(drives))
        for n in view["nodes"]:
            here = [d for d in drives if d["spec"]["nodeName"] == n["name"]]
            self.assertEqual(n["drives"], len(here))
            self.assertEqual(n["freeBytes"], sum(d["status"]["freeBytes"] for d in here))
            self.assertIsNone(n["leaseRenewTime"])  # no agent here renews a Lease
        self.assertEqual(view["unreadable"], 0)

        p = self.meshstor("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"(?m)^NODE +LEASE RENEWED +AGENT")
        row = next(line for line in p.stdout.splitlines() if line.startswith(v.volume_id))
        self.assertEqual(row.split()[1:8], ["<none>", "Requested", "0/2", "2", "<none>", "2",
                                            "GiB"])

        p = self.meshstor("volume", v.volume_id)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Volume:    %s\n" % v.volume_id, p.stdout)
        members = [line for line in p.stdout.splitlines() if re.match(r"^[01] ", line)]
        self.assertEqual(len(members), 2, p.stdout)
        self.assertIn("(not reported)", members[0])
        # The controller's Event on placing it.
        self.assertRegex(p.stdout, r"(?m)^\S+ +Normal +Placed +meshstor-controller ")
        p = self.meshstor("volume", v.volume_id, "-o", "json")
        self.assertEqual([e["reason"] for e in json.loads(p.stdout)["events"]][:1], ["Placed"])

        p = self.meshstor("volume", "no-such-volume")
        self.assertEqual(p.returncode, 1)
        self.assertIn("No MeshStorVolume no-such-volume", p.stderr)
        p = self.meshstor("volume", "Bad/Name")
        self.assertEqual(p.returncode, 1)
        self.assertIn("Invalid volume name", p.stderr)
        # $KUBECONFIG as kubectl takes it, a list: its first file.
        p = subprocess.run([MESHSTOR, "status"], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, KUBECONFIG=os.environ["KUBECONFIG"] + ":/nowhere"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(v.volume_id, p.stdout)
        p = self.meshstor("status", "-o", "yaml")
        self.assertEqual(p.returncode, 1)
        self.assertIn("expected table or json", p.stderr)
        self.delete(v.volume_id)

    def test_wait_for_first_consumer(self):
        req = request("it-wffc")
        topo = req.accessibility_requirements.preferred.add()
        topo.segments["topology.meshstor.io/node"] = "sanity-node-3"
        v = self.create(req)
        copy0 = [m for m in msvol(v.volume_id)["spec"]["members"] if m["copy"] == 0]
        self.assertEqual(copy0[0]["nodeName"], "sanity-node-3")
        self.delete(v.volume_id)

    def test_claim_labels(self):
        # What the external-provisioner adds with --extra-create-metadata: not
        # refused as unknown, kept as labels, shown by `kubectl get msvol`.
        pv = "pvc-8f14e45f-ceea-467f-a0e6-52d1a3bde2d8"
        req = request("it-claim", **{"csi.storage.k8s.io/pvc/name": "data-db-0",
                                     "csi.storage.k8s.io/pvc/namespace": "shop",
                                     "csi.storage.k8s.io/pv/name": pv})
        v = self.create(req)
        labels = msvol(v.volume_id)["metadata"]["labels"]
        self.assertEqual(labels, {"csi.meshstor.io/pvc-name": "data-db-0",
                                  "csi.meshstor.io/pvc-namespace": "shop",
                                  "csi.meshstor.io/pv-name": pv})
        table = kubectl("get", "msvol", v.volume_id)
        self.assertEqual(column(table, "PVC-NAMESPACE"), "shop")
        self.assertEqual(column(table, "PVC"), "data-db-0")
        self.assertEqual(column(kubectl("get", "msvol", v.volume_id, "-o", "wide"), "PV"), pv)
        self.assertEqual(kubectl("get", "msvol", "-l", "csi.meshstor.io/pvc-namespace=shop",
                                 "-o", "name").split(), ["meshstorvolume.csi.meshstor.io/"
                                                         + v.volume_id])
        # Accessible from every node that runs the agent (csi/topology.h).
        self.assertEqual([dict(t.segments) for t in v.accessible_topology],
                         [{"topology.meshstor.io/agent": "true"}])
        self.delete(v.volume_id)

    def test_zones_spread_copies(self):
        # sanity-node-1 and -2 share a zone; -3 is alone in another. With the
        # consumer on -1, the second copy must leave its zone, though -2 would
        # win every other tie-break (name).
        nodes = [("sanity-node-1", "zone-a"), ("sanity-node-2", "zone-a"),
                 ("sanity-node-3", "zone-b")]
        manifest = "".join(
            "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n  labels:\n"
            "    topology.kubernetes.io/zone: %s\n" % n for n in nodes)
        subprocess.run([os.environ["KUBECTL"], "--kubeconfig", os.environ["KUBECONFIG"],
                        "apply", "-f", "-"], input=manifest, text=True, check=True,
                       capture_output=True)
        try:
            time.sleep(1)  # the controller's Node cache follows by watch
            req = request("it-zones")
            topo = req.accessibility_requirements.preferred.add()
            topo.segments["topology.meshstor.io/node"] = "sanity-node-1"
            v = self.create(req)
            placed = {m["copy"]: m["nodeName"] for m in msvol(v.volume_id)["spec"]["members"]}
            self.assertEqual(placed, {0: "sanity-node-1", 1: "sanity-node-3"})
            self.delete(v.volume_id)
        finally:
            kubectl("delete", "node", *[n for n, _ in nodes])

    def test_same_name_in_parallel(self):
        results = []

        def go():
            results.append(self.code_of(self.create, request("it-parallel")))

        threads = [threading.Thread(target=go) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = [c for c, _ in results]
        # Concurrent calls for one name: served, or told to retry (ABORTED).
        self.assertIn(grpc.StatusCode.OK, codes)
        self.assertTrue(set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.ABORTED}, results)
        again = self.create(request("it-parallel"))
        items = json.loads(kubectl("get", "msvol", "-o", "json"))["items"]
        self.assertEqual([i["metadata"]["name"] for i in items
                          if i["spec"]["requestName"] == "it-parallel"], [again.volume_id])
        code, details = self.code_of(self.create, request("it-parallel", 2 * GIB))
        self.assertEqual(code, grpc.StatusCode.ALREADY_EXISTS)
        self.assertIn("other parameters", details)
        self.delete(again.volume_id)

    def test_competing_sizes_never_overbook(self):
        # Each drive has 100 GiB; 30 GiB volumes with 3 copies use every node:
        # 6 drives fit 3 x 2 = 6 members per node... at most 6 such volumes.
        results = []

        def go(i):
            results.append(self.code_of(self.create, request("it-compete-%d" % i, 30 * GIB,
                                                             numberOfCopies=3)))

        threads = [threading.Thread(target=go, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = [c for c, _ in results]
        self.assertTrue(set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED},
                        results)
        items = json.loads(kubectl("get", "msvol", "-o", "json"))["items"]
        booked = {}
        for i in items:
            for m in i["spec"]["members"]:
                booked[m["drive"]] = booked.get(m["drive"], 0) + m["sizeBytes"]
        for drive, used in booked.items():
            self.assertLessEqual(used, 100 * GIB, "%s overbooked" % drive)
        self.assertEqual(codes.count(grpc.StatusCode.OK), 6, results)
        for _, details in results:
            if details:
                self.assertIn("largest free extent", details)
        for i in items:
            if i["spec"]["requestName"].startswith("it-compete-"):
                self.delete(i["metadata"]["name"])

    def test_bad_inputs(self):
        cases = [
            (request("it-bad", 1 << 62), grpc.StatusCode.RESOURCE_EXHAUSTED, "need 2 nodes"),
            (request("it-bad", -5), grpc.StatusCode.INVALID_ARGUMENT, "negative"),
            (request("it-bad", 100 << 20), grpc.StatusCode.OUT_OF_RANGE, "512 MiB"),
            (request("it-bad", GIB, numberOfCopies=4), grpc.StatusCode.RESOURCE_EXHAUSTED,
             "need 4 nodes"),
            (request("it-bad", GIB, replicas=2), grpc.StatusCode.INVALID_ARGUMENT, "replicas"),
            (request("it-bad", GIB, sectorSize=1000), grpc.StatusCode.INVALID_ARGUMENT,
             "sectorSize"),
            (request(""), grpc.StatusCode.INVALID_ARGUMENT, "name is required"),
        ]
        for req, code, text in cases:
            got, details = self.code_of(self.create, req)
            self.assertEqual(got, code, details)
            self.assertIn(text, details)
        # Hostile names are only hashed: the id is always ours and safe.
        for name in ["../../etc/passwd", "a/b", "nqn:evil", "x" * 253, "ünïcödé"]:
            v = self.create(request(name))
            self.assertRegex(v.volume_id, r"^pvc-[0-9a-f]{24}$")
            self.delete(v.volume_id)
        # Deleting what does not exist, or is not ours, succeeds and touches nothing.
        before = kubectl("get", "msvol", "-o", "name")
        for volume_id in ["pvc-000000000000000000000000", "../../x", "kube-system", "pvc-1"]:
            self.delete(volume_id)
        self.assertEqual(kubectl("get", "msvol", "-o", "name"), before)

    def test_list_and_get(self):
        ids = [self.create(request("it-list-%d" % i)).volume_id for i in range(5)]
        seen, token = [], ""
        while True:
            page = call(self.ch, "/csi.v1.Controller/ListVolumes",
                        csi.ListVolumesRequest(max_entries=2, starting_token=token),
                        response=csi.ListVolumesResponse)
            seen += [e.volume.volume_id for e in page.entries]
            token = page.next_token
            if not token:
                break
        self.assertTrue(set(ids) <= set(seen))
        self.assertEqual(len(seen), len(set(seen)))
        got = call(self.ch, "/csi.v1.Controller/ControllerGetVolume",
                   csi.ControllerGetVolumeRequest(volume_id=ids[0]),
                   response=csi.ControllerGetVolumeResponse)
        self.assertEqual(got.volume.capacity_bytes, GIB)
        self.assertFalse(got.status.volume_condition.abnormal)
        for volume_id in ids:
            self.delete(volume_id)


class ReplaceTest(Controller):
    def mark_missing(self, volume_id, copy, since):
        spec = msvol(volume_id)["spec"]
        member = [m for m in spec["members"] if m["copy"] == copy][0]
        kubectl("patch", "msvol", volume_id, "--subresource=status", "--type=merge", "-p",
                json.dumps({"status": {"members": [{"index": member["index"], "state": "Missing",
                                                    "lastEpoch": spec["epoch"],
                                                    "missingSince": since}]}}))
        return spec, member

    def test_missing_member_replaced_after_timeout(self):
        due = self.create(request("it-missing-due", numberOfCopies=2, memberMissingTimeout=60))
        fresh = self.create(request("it-missing-fresh", numberOfCopies=2,
                                    memberMissingTimeout=3600))
        spec, gone = self.mark_missing(due.volume_id, 1, "2020-01-01T00:00:00Z")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 30))
        fresh_spec, _ = self.mark_missing(fresh.volume_id, 1, now)
        copy0 = [m for m in spec["members"] if m["copy"] == 0][0]["nodeName"]
        for _ in range(60):  # the controller's pass runs every 10 s
            new = [m for m in msvol(due.volume_id)["spec"]["members"] if m["copy"] == 1][0]
            if new["index"] != gone["index"]:
                break
            time.sleep(0.5)
        self.assertNotEqual(new["index"], gone["index"], "not replaced within 30 s")
        self.assertNotIn(new["nodeName"], {gone["nodeName"], copy0})
        self.assertNotEqual(new["partitionUUID"], gone["partitionUUID"])
        self.assertEqual(msvol(due.volume_id)["spec"]["epoch"], spec["epoch"] + 1)
        events = kubectl("get", "events", "-n", "default", "--field-selector",
                         "involvedObject.name=%s,reason=Replacing" % due.volume_id, "-o", "name")
        self.assertTrue(events.strip())
        # Missing for 30 s out of its 3600: left alone, though a pass has run meanwhile.
        self.assertEqual(msvol(fresh.volume_id)["spec"], fresh_spec)
        self.delete(due.volume_id)
        self.delete(fresh.volume_id)


class FenceTest(Controller):
    """ControllerPublish/Unpublish against agents played by test/sanity/agent-sim."""

    def test_fence(self):
        stop = agent_sim.start()
        try:
            v = self.create(request("it-fence", numberOfCopies=3))
            first = self.publish(v.volume_id, "sanity-node-1")
            spec = msvol(v.volume_id)["spec"]
            self.assertEqual(spec["nodeName"], "sanity-node-1")
            self.assertEqual(first.publish_context["epoch"], str(spec["epoch"]))
            status = {m["index"]: m for m in msvol(v.volume_id)["status"]["members"]}
            for m in spec["members"]:
                want = "Created" if m["nodeName"] == "sanity-node-1" else "Exported"
                self.assertEqual(status[m["index"]]["state"], want)
                self.assertEqual(status[m["index"]]["lastEpoch"], spec["epoch"])
            # Idempotent: the same claim again is no new epoch.
            self.assertEqual(self.publish(v.volume_id, "sanity-node-1").publish_context["epoch"],
                             first.publish_context["epoch"])
            code, details = self.code_of(self.publish, v.volume_id, "sanity-node-2")
            self.assertEqual(code, grpc.StatusCode.FAILED_PRECONDITION)
            self.assertIn("published to node sanity-node-1", details)
            code, details = self.code_of(self.delete, v.volume_id)
            self.assertEqual(code, grpc.StatusCode.FAILED_PRECONDITION)
            self.unpublish(v.volume_id, "sanity-node-1")
            spec = msvol(v.volume_id)["spec"]
            self.assertNotIn("nodeName", spec)
            self.assertEqual(spec["epoch"], int(first.publish_context["epoch"]) + 1)
            for m in msvol(v.volume_id)["status"]["members"]:
                self.assertEqual((m["state"], m["lastEpoch"]), ("Created", spec["epoch"]))
            self.unpublish(v.volume_id, "sanity-node-1")   # idempotent
            self.unpublish("pvc-000000000000000000000000", "sanity-node-1")  # unknown: OK
            code, _ = self.code_of(self.publish, v.volume_id, "no-such-node")
            self.assertEqual(code, grpc.StatusCode.NOT_FOUND)
            code, _ = self.code_of(self.publish, "pvc-000000000000000000000000", "sanity-node-1")
            self.assertEqual(code, grpc.StatusCode.NOT_FOUND)
            self.delete(v.volume_id)
        finally:
            stop()

    def test_publish_waits_for_exports(self):
        # node-3's agent is stuck in a pass: its Lease is renewed, nothing reported.
        stop = agent_sim.start(silent={"sanity-node-3"})
        try:
            v = self.create(request("it-silent", numberOfCopies=3))
            code, details = self.code_of(self.publish, v.volume_id, "sanity-node-1", 4)
            self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)
            self.assertIn("on sanity-node-3", details)
        finally:
            stop()
        # Unstuck, it exports to node-1, and the same publish completes.
        stop = agent_sim.start()
        try:
            epoch = int(self.publish(v.volume_id, "sanity-node-1").publish_context["epoch"])
        finally:
            stop()
        on3 = [m["index"] for m in msvol(v.volume_id)["spec"]["members"]
               if m["nodeName"] == "sanity-node-3"][0]
        # Stuck again: unpublish cannot confirm the fence while node-3 is alive.
        stop = agent_sim.start(silent={"sanity-node-3"})
        try:
            code, details = self.code_of(self.unpublish, v.volume_id, "sanity-node-1", 4)
            self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)
            self.assertIn("node sanity-node-3's agent is alive", details)
        finally:
            stop()
        self.addCleanup(subprocess.run, [PUBLISH, "3"], check=True)  # fresh heartbeats again
        self.addCleanup(subprocess.run, [os.environ["KUBECTL"], "--kubeconfig",
                                         os.environ["KUBECONFIG"], "delete", "node",
                                         "sanity-node-3", "--ignore-not-found"], check=True)
        # node-3 dies, or only loses the API server: its Lease expires and its
        # heartbeat goes stale, which the old rule took for fenced.
        stop = agent_sim.start(dead={"sanity-node-3"})
        try:
            kubectl("patch", "msnode", "sanity-node-3", "--subresource=status", "--type=merge",
                    "-p", '{"status": {"heartbeatTime": "2020-01-01T00:00:00Z"}}')
            time.sleep(agent_sim.LEASE_SECONDS + 2)
            # Silence is not fencing: node-3's kernel may still export to node-1.
            code, details = self.code_of(self.unpublish, v.volume_id, "sanity-node-1", 4)
            self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED, details)
            self.assertIn("member %d on sanity-node-3 is Exported at epoch %d" % (on3, epoch),
                          details)
            self.assertIn("node sanity-node-3's agent has not renewed its Lease for", details)
            taint = ("kubectl taint nodes sanity-node-3 "
                     "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute")
            self.assertIn(taint, details)
            # ...and an Event on the volume says what unpublish waits for.
            events = json.loads(kubectl(
                "get", "events", "-n", "default", "--field-selector",
                "involvedObject.name=%s,reason=UnpublishWaiting" % v.volume_id, "-o", "json"))
            self.assertTrue(events["items"])
            event = events["items"][-1]
            self.assertEqual(event["type"], "Warning")
            self.assertIn("Unpublish from sanity-node-1 is waiting", event["message"])
            self.assertIn(taint, event["message"])
            # The operator's word that node-3 is off ends the wait.
            node = ("apiVersion: v1\nkind: Node\nmetadata: {name: sanity-node-3}\n"
                    "spec:\n  taints:\n  - {key: node.kubernetes.io/out-of-service, "
                    "value: nodeshutdown, effect: NoExecute}\n")
            subprocess.run([os.environ["KUBECTL"], "--kubeconfig", os.environ["KUBECONFIG"],
                            "apply", "-f", "-"], input=node, text=True, check=True,
                           capture_output=True)
            time.sleep(1)  # the controller's Node cache follows by watch
            self.unpublish(v.volume_id, "sanity-node-1", 10)
            # Publish does not wait for a host that is not alive: availability only.
            self.publish(v.volume_id, "sanity-node-2", 10)
            self.unpublish(v.volume_id, "sanity-node-2", 10)
            self.delete(v.volume_id)
        finally:
            stop()


class IdentityTest(Controller):
    """Two MeshStorNodes with one NVMe host identity (docs/ARCHITECTURE.md, "Duplicate
    host identity"): an export allowed to one admits the other, so their agents refuse
    to export; the controller must neither place there nor wait on them."""

    def share_identity(self, node, like):
        status = json.loads(kubectl("get", "msnode", like, "-o", "json"))["status"]
        kubectl("patch", "msnode", node, "--subresource=status", "--type=merge", "-p",
                json.dumps({"status": {"hostNQN": status["hostNQN"],
                                       "hostID": status["hostID"]}}))
        time.sleep(1)  # the controller's MeshStorNode cache follows by watch

    def test_duplicate_identity(self):
        stop = agent_sim.start()
        ids = []
        try:
            spread = self.create(request("it-twin-spread", numberOfCopies=3))
            ids.append(spread.volume_id)
            epoch = msvol(spread.volume_id)["spec"]["epoch"]
            self.share_identity("sanity-node-3", "sanity-node-2")

            # Left out of placement, and the RESOURCE_EXHAUSTED message says why.
            code, details = self.code_of(self.create, request("it-twin-two", numberOfCopies=2))
            self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, details)
            self.assertIn("found 1 (sanity-node-1)", details)
            for node, other in (("sanity-node-2", "sanity-node-3"),
                                ("sanity-node-3", "sanity-node-2")):
                self.assertIn("%s: publishes the same NVMe host NQN or host ID as %s"
                              % (node, other), details)
            self.assertIn("/etc/nvme/hostnqn", details)
            # One copy goes to the one node left, though the consumer is a twin.
            req = request("it-twin-one", numberOfCopies=1)
            req.accessibility_requirements.preferred.add().segments[
                "topology.meshstor.io/node"] = "sanity-node-3"
            one = self.create(req)
            ids.append(one.volume_id)
            self.assertEqual([m["nodeName"] for m in msvol(one.volume_id)["spec"]["members"]],
                             ["sanity-node-1"])

            # Publish says why at once, and claims nothing: members on the twins...
            start = time.monotonic()
            code, details = self.code_of(self.publish, spread.volume_id, "sanity-node-1", 20)
            self.assertEqual(code, grpc.StatusCode.FAILED_PRECONDITION, details)
            self.assertLess(time.monotonic() - start, 5)
            self.assertRegex(details, r"on node sanity-node-[23], which publishes the same "
                                      r"NVMe host NQN or host ID as node sanity-node-[23]")
            self.assertIn("/etc/nvme/hostnqn and hostid pair", details)
            spec = msvol(spread.volume_id)["spec"]
            self.assertNotIn("nodeName", spec)
            self.assertEqual(spec["epoch"], epoch)
            # ...or a twin as the consumer: the other would pass its fence.
            code, details = self.code_of(self.publish, one.volume_id, "sanity-node-3", 20)
            self.assertEqual(code, grpc.StatusCode.FAILED_PRECONDITION, details)
            self.assertIn("node sanity-node-3 publishes the same NVMe host NQN or host ID as "
                          "node sanity-node-2", details)
            self.assertNotIn("nodeName", msvol(one.volume_id)["spec"])

            # Each node its own identity again: both go through.
            subprocess.run([PUBLISH, "3"], check=True)
            time.sleep(1)
            self.publish(spread.volume_id, "sanity-node-1")
            self.unpublish(spread.volume_id, "sanity-node-1")
            self.publish(one.volume_id, "sanity-node-3")
            self.unpublish(one.volume_id, "sanity-node-3")
        finally:
            subprocess.run([PUBLISH, "3"], check=True)
            for volume_id in ids:
                self.code_of(self.unpublish, volume_id, "")
                self.delete(volume_id)
            stop()


if __name__ == "__main__":
    MESHSTOR, PUBLISH = os.path.abspath(sys.argv.pop(1)), os.path.abspath(sys.argv.pop(1))
    import test_csi_endpoint
    test_csi_endpoint.MESHSTOR = MESHSTOR
    unittest.main(verbosity=2)
