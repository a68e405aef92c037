#!/usr/bin/python3
"""The CSI endpoint, end to end: the real meshstor binary serving its unix
socket, called by a real gRPC client (grpcio). Usage: test_csi_endpoint.py MESHSTOR"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from csipb import csi  # noqa: E402

MESHSTOR = os.environ.get("MESHSTOR")
DRIVER = "io.meshstor.csi.mesh"
NODE_MODULES = ["nvmet", "nvmet_tcp", "nvme_tcp", "nvme_fabrics", "md_mod", "raid1", "raid10",
                "dm_mod", "dm_multipath", "dm_service_time",
                "xfs"]
NODE_TOOLS = ["mdadm", "mkfs.xfs", "xfs_growfs"]


class Server:
    """One meshstor process serving a socket in a private temporary directory."""

    def __init__(self, tmp, role="controller", args=(), env=None, sock="csi.sock"):
        self.sock = os.path.join(tmp, sock)
        self.log = open(os.path.join(tmp, "server.log"), "ab+")
        cmd = [MESHSTOR, role, "--csi-endpoint", "unix://" + self.sock, *args]
        if role == "node" and "--node-id" not in args:
            cmd += ["--node-id", "test-node"]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     env=env or os.environ.copy())

    def wait_serving(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("meshstor exited with %d:\n%s" % (self.proc.returncode,
                                                                       self.output()))
            # A stale socket file may exist before the server listens: connect.
            with socket.socket(socket.AF_UNIX) as probe:
                try:
                    probe.connect(self.sock)
                    return self
                except OSError:
                    pass
            time.sleep(0.02)
        raise AssertionError("socket %s never appeared:\n%s" % (self.sock, self.output()))

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def channel(self):
        return grpc.insecure_channel("unix://" + self.sock)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()


def call(channel, path, request=b"", response=None, timeout=10):
    """Unary call with raw bytes; returns the decoded response (or raw bytes)."""
    raw = channel.unary_unary(path)(request if isinstance(request, bytes)
                                    else request.SerializeToString(), timeout=timeout)
    if response is None:
        return raw
    msg = response()
    msg.ParseFromString(raw)
    return msg


class EndpointTest(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.TemporaryDirectory(prefix="meshstor-endpoint-")
        self.tmp = self.tmpdir.name
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.stop(signal.SIGKILL)
        self.tmpdir.cleanup()

    def start(self, *args, **kw):
        s = Server(self.tmp, *args, **kw)
        self.servers.append(s)
        return s.wait_serving()

    def assert_code(self, code, fn, *args, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        return cm.exception.details()

    def test_identity(self):
        s = self.start()
        version = subprocess.run([MESHSTOR, "version"], check=True, capture_output=True,
                                 text=True).stdout.split()[1]
        with s.channel() as ch:
            info = call(ch, "/csi.v1.Identity/GetPluginInfo", response=csi.GetPluginInfoResponse)
            self.assertEqual(info.name, DRIVER)
            self.assertEqual(info.vendor_version, version)
            self.assertEqual(dict(info.manifest), {"role": "controller"})
            caps = call(ch, "/csi.v1.Identity/GetPluginCapabilities",
                        response=csi.GetPluginCapabilitiesResponse)
            self.assertEqual([c.service.type for c in caps.capabilities
                              if c.HasField("service")],
                             [csi.PluginCapability.Service.CONTROLLER_SERVICE,
                              csi.PluginCapability.Service.VOLUME_ACCESSIBILITY_CONSTRAINTS])
            self.assertEqual([c.volume_expansion.type for c in caps.capabilities
                              if c.HasField("volume_expansion")],
                             [csi.PluginCapability.VolumeExpansion.ONLINE])
            # No Kubernetes API configured here: serving, but not ready.
            probe = call(ch, "/csi.v1.Identity/Probe", response=csi.ProbeResponse)
            self.assertTrue(probe.HasField("ready"))
            self.assertFalse(probe.ready.value)

    def test_controller_without_api(self):
        s = self.start(env={k: v for k, v in os.environ.items() if k != "KUBECONFIG"})
        cap = csi.VolumeCapability()
        cap.mount.fs_type = "xfs"
        cap.access_mode.mode = csi.VolumeCapability.AccessMode.SINGLE_NODE_WRITER
        good = csi.CreateVolumeRequest(name="pvc-1", volume_capabilities=[cap])
        with s.channel() as ch:
            details = self.assert_code(grpc.StatusCode.UNAVAILABLE, call, ch,
                                       "/csi.v1.Controller/CreateVolume", good)
            self.assertIn("Kubernetes API", details)
            # Requests are still checked first: a bad one is the caller's to fix.
            bad = csi.CreateVolumeRequest(name="pvc-1", volume_capabilities=[cap],
                                          parameters={"numberOfCopies": "zero"})
            details = self.assert_code(grpc.StatusCode.INVALID_ARGUMENT, call, ch,
                                       "/csi.v1.Controller/CreateVolume", bad)
            self.assertIn("numberOfCopies", details)
            small = csi.CreateVolumeRequest(name="pvc-1", volume_capabilities=[cap])
            small.capacity_range.required_bytes = 100 << 20
            self.assert_code(grpc.StatusCode.OUT_OF_RANGE, call, ch,
                             "/csi.v1.Controller/CreateVolume", small)
            caps = call(ch, "/csi.v1.Controller/ControllerGetCapabilities",
                        response=csi.ControllerGetCapabilitiesResponse)
            self.assertIn(csi.ControllerServiceCapability.RPC.CREATE_DELETE_VOLUME,
                          [c.rpc.type for c in caps.capabilities])

    def test_unknown_methods_are_unimplemented(self):
        s = self.start()
        with s.channel() as ch:
            for path in ["/csi.v1.Controller/CreateSnapshot",
                         "/csi.v1.Node/NodeStageVolume",
                         "/no.such.Service/Method", "/csi.v1.Identity/Nope"]:
                self.assert_code(grpc.StatusCode.UNIMPLEMENTED, call, ch, path)
            # The server is still fine afterwards.
            self.assertEqual(call(ch, "/csi.v1.Identity/GetPluginInfo",
                                  response=csi.GetPluginInfoResponse).name, DRIVER)

    def test_malformed_requests_are_invalid_argument(self):
        s = self.start()
        bad = [b"\xff\xff\xff", b"\x0a\x05ab", b"\x00\x00", b"\x80\x00\x00", b"\x0b",
               b"\x0a"]
        with s.channel() as ch:
            for body in bad:
                details = self.assert_code(grpc.StatusCode.INVALID_ARGUMENT, call, ch,
                                           "/csi.v1.Identity/GetPluginInfo", body)
                self.assertIn("GetPluginInfoRequest", details)
            # Unknown but well-formed fields are skipped, as proto3 requires; their
            # bytes are opaque, so even non-UTF-8 content is fine there.
            self.assertEqual(call(ch, "/csi.v1.Identity/GetPluginInfo",
                                  b"\x08\x01\x12\x01x\x1a\x02\xc3\x28",
                                  response=csi.GetPluginInfoResponse).name, DRIVER)

    def test_parallel_calls(self):
        s = self.start()
        errors = []

        def worker():
            try:
                with s.channel() as ch:
                    for _ in range(50):
                        r = call(ch, "/csi.v1.Identity/GetPluginInfo",
                                 response=csi.GetPluginInfoResponse)
                        assert r.name == DRIVER
            except Exception as e:  # noqa: BLE001 -- collected and reported below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_sigterm_removes_socket_and_exits_zero(self):
        s = self.start()
        with s.channel() as ch:
            call(ch, "/csi.v1.Identity/Probe")
        self.assertEqual(s.stop(), 0)
        self.assertFalse(os.path.exists(s.sock))
        self.assertIn("All CSI calls finished", s.output() if not s.log.closed else
                      open(os.path.join(self.tmp, "server.log")).read())

    def test_second_instance_refuses_and_first_keeps_serving(self):
        first = self.start()
        second = Server(self.tmp)
        self.servers.append(second)
        self.assertEqual(second.proc.wait(20), 1)
        self.assertIn("Another meshstor process is serving", second.output())
        with first.channel() as ch:
            self.assertEqual(call(ch, "/csi.v1.Identity/GetPluginInfo",
                                  response=csi.GetPluginInfoResponse).name, DRIVER)

    def test_restart_after_crash_reuses_stale_socket(self):
        s = self.start()
        s.stop(signal.SIGKILL)
        self.assertTrue(os.path.exists(s.sock), "SIGKILL should leave the socket behind")
        s2 = self.start()
        with s2.channel() as ch:
            self.assertEqual(call(ch, "/csi.v1.Identity/GetPluginInfo",
                                  response=csi.GetPluginInfoResponse).name, DRIVER)
        self.assertIn("Removing stale socket", s2.output())

    def test_refuses_to_replace_a_file_that_is_not_a_socket(self):
        path = os.path.join(self.tmp, "csi.sock")
        with open(path, "w") as f:
            f.write("precious")
        s = Server(self.tmp)
        self.servers.append(s)
        self.assertEqual(s.proc.wait(20), 1)
        self.assertIn("is not a socket", s.output())
        with open(path) as f:
            self.assertEqual(f.read(), "precious")

    def test_bad_endpoint_and_options(self):
        for args in (["controller", "--csi-endpoint", "tcp://127.0.0.1:1"],
                     ["controller", "--csi-endpoint", "unix://relative.sock"],
                     ["controller", "--workers", "0"],
                     ["controller", "--log-level", "loud"],
                     ["controller", "--node-id", "x"],
                     ["node", "--csi-endpoint", "unix://" + os.path.join(self.tmp, "n.sock")],
                     ["frobnicate"]):
            env = {k: v for k, v in os.environ.items() if k != "NODE_NAME"}
            r = subprocess.run([MESHSTOR, *args], capture_output=True, text=True, timeout=20,
                               env=env)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("error", r.stderr, args)
        for args in (["--help"], ["controller", "--help"], ["node", "--help"], ["version"]):
            r = subprocess.run([MESHSTOR, *args], capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 0, args)
            self.assertTrue(r.stdout, args)

    def node_probe(self, sysroot, path):
        # No Kubernetes API here, whatever this machine has configured.
        env = dict(os.environ, PATH=path,
                   KUBECONFIG=os.path.join(self.tmp, "no-such-kubeconfig"))
        s = self.start("node", ["--sysroot", sysroot], env=env)
        with s.channel() as ch:
            info = call(ch, "/csi.v1.Identity/GetPluginInfo", response=csi.GetPluginInfoResponse)
            self.assertEqual(dict(info.manifest), {"role": "node"})
            ready = call(ch, "/csi.v1.Identity/Probe", response=csi.ProbeResponse).ready.value
        self.assertEqual(s.stop(), 0)
        self.servers.remove(s)
        return ready, s

    def make_host_ready(self, root, bindir):
        """Gives the sysroot root and the PATH bindir every module and tool the node needs."""
        release = os.uname().release
        moddir = os.path.join(root, "lib/modules", release)
        os.makedirs(moddir)
        with open(os.path.join(moddir, "modules.dep"), "w") as f:
            for m in NODE_MODULES[1:]:
                f.write("kernel/x/%s.ko.xz:\n" % m.replace("_", "-"))
        os.makedirs(os.path.join(root, "sys/module/nvmet"))
        for t in NODE_TOOLS:
            p = os.path.join(bindir, t)
            with open(p, "w") as f:
                f.write("#!/bin/sh\n")
            os.chmod(p, 0o755)

    def test_second_node_agent_acts_on_nothing(self):
        # Two agents on one node would run two reconcile loops over one kernel
        # (GPT, nvmet, MD): the second must stop before it prepares the host or
        # starts its agent, not only when it comes to serve the socket.
        root = os.path.join(self.tmp, "root")
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        os.makedirs(os.path.join(root, "sys/module"))
        self.make_host_ready(root, bindir)
        env = dict(os.environ, PATH=bindir,
                   KUBECONFIG=os.path.join(self.tmp, "no-such-kubeconfig"))
        first = self.start("node", ["--sysroot", root], env=env)
        with tempfile.TemporaryDirectory(prefix="meshstor-second-") as tmp2:
            second = Server(tmp2, "node", ["--sysroot", root], env=env, sock=first.sock)
            self.servers.append(second)
            self.assertEqual(second.proc.wait(20), 1)
            out = second.output()
            second.log.close()
        self.assertIn("Another meshstor process is serving", out)
        self.assertNotIn("starting as node agent", out)
        self.assertNotIn("kernel modules", out)
        self.assertNotIn("Node is ready", out)
        self.assertNotIn("Serving without the Kubernetes API", out)
        with first.channel() as ch:
            call(ch, "/csi.v1.Identity/Probe")

    def test_node_probe_follows_host_dependencies(self):
        root = os.path.join(self.tmp, "root")
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        os.makedirs(os.path.join(root, "sys/module"))
        ready, s = self.node_probe(root, bindir)
        self.assertFalse(ready)
        log = open(os.path.join(self.tmp, "server.log")).read()
        self.assertIn("kernel module nvmet,", log)
        self.assertIn("tool mdadm", log)

        self.make_host_ready(root, bindir)
        os.unlink(os.path.join(self.tmp, "server.log"))
        ready, s = self.node_probe(root, bindir)
        log = open(os.path.join(self.tmp, "server.log")).read()
        self.assertIn("Node is ready: the data path's kernel modules and tools are present", log)
        # The host is fine; without the Kubernetes API the agent cannot work,
        # so the node is still not ready, and says why.
        self.assertFalse(ready)
        self.assertIn("Serving without the Kubernetes API", log)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        MESHSTOR = sys.argv.pop(1)
    if not MESHSTOR:
        sys.exit("usage: test_csi_endpoint.py MESHSTOR (or set MESHSTOR)")
    unittest.main(verbosity=2)
