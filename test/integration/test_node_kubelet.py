#!/usr/bin/python3
"""What the kubelet sees of `meshstor node` besides CSI, end to end: the plugin
registration socket called by a real gRPC client (grpcio) as the kubelet's
pluginwatcher calls it, and /healthz as the kubelet's httpGet liveness probe
reads it. These replace node-driver-registrar and livenessprobe.
Usage: test_node_kubelet.py MESHSTOR"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from csipb import registration as reg  # noqa: E402
import test_csi_endpoint as endpoint  # noqa: E402
import prom_text  # noqa: E402

DRIVER = "io.meshstor.csi.mesh"
KUBELET_ENDPOINT = "/var/lib/kubelet/plugins/io.meshstor.csi.mesh/csi.sock"
GET_INFO = "/pluginregistration.Registration/GetInfo"
NOTIFY = "/pluginregistration.Registration/NotifyRegistrationStatus"


def wait_for(what, fn, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def healthz(port, method="GET", path="/healthz"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


class KubeletTest(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.TemporaryDirectory(prefix="meshstor-kubelet-")
        self.tmp = self.tmpdir.name
        self.regdir = os.path.join(self.tmp, "plugins_registry")
        os.makedirs(self.regdir)
        self.regsock = os.path.join(self.regdir, DRIVER + "-reg.sock")
        self.servers = []
        # No Kubernetes API: the agent does not start, the endpoints still serve.
        self.env = dict(os.environ, KUBECONFIG=os.path.join(self.tmp, "no-such-kubeconfig"))

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.stop(signal.SIGKILL)
        self.tmpdir.cleanup()

    def start(self, *args, wait_registration=True):
        s = endpoint.Server(self.tmp, "node", ["--sysroot", self.tmp, *args], env=self.env)
        self.servers.append(s)
        s.wait_serving()
        if wait_registration:
            wait_for("the registration socket", lambda: self.connects(self.regsock))
        return s

    @staticmethod
    def connects(path):
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(path)
                return True
            except OSError:
                return False

    def start_healthz(self, *args):
        s = self.start("--health-address=127.0.0.1:0", *args,
                       wait_registration="--registration-socket=" not in args)
        m = wait_for("the /healthz port",
                     lambda: re.search(r"Serving /healthz and /metrics on 127\.0\.0\.1:0 \(port (\d+)\)",
                                       s.output()))
        return s, int(m.group(1))

    def registration_channel(self):
        return grpc.insecure_channel("unix://" + self.regsock)

    def test_get_info_names_driver_and_kubelet_endpoint(self):
        self.start("--registration-socket=" + self.regsock,
                   "--kubelet-endpoint=unix://" + KUBELET_ENDPOINT)
        with self.registration_channel() as ch:
            info = endpoint.call(ch, GET_INFO, reg.InfoRequest(), reg.PluginInfo)
        self.assertEqual(info.type, "CSIPlugin")
        self.assertEqual(info.name, DRIVER)
        # A path, as the kubelet dials it: no unix:// scheme.
        self.assertEqual(info.endpoint, KUBELET_ENDPOINT)
        self.assertEqual(list(info.supported_versions), ["1.0.0"])
        # The same on the wire, field by field as the kubelet's api.proto numbers them
        # (type 1, name 2, endpoint 3, supported_versions 4): not only as ours does.
        with self.registration_channel() as ch:
            raw = endpoint.call(ch, GET_INFO, b"")

        def field(number, text):
            return bytes([number << 3 | 2, len(text)]) + text.encode()
        self.assertEqual(raw, field(1, "CSIPlugin") + field(2, DRIVER) +
                         field(3, KUBELET_ENDPOINT) + field(4, "1.0.0"))

    def test_notify_registration_status_and_healthz(self):
        s, port = self.start_healthz("--registration-socket=" + self.regsock)
        self.assertEqual(healthz(port), (200, "ok\n"))
        with self.registration_channel() as ch:
            refused = reg.RegistrationStatus(plugin_registered=False,
                                             error="plugin validation failed: no 1.x version")
            resp = endpoint.call(ch, NOTIFY, refused, reg.RegistrationStatusResponse)
            self.assertEqual(resp.ByteSize(), 0)
            log = s.output()
            self.assertRegex(log, r"error The kubelet refused to register %s: plugin validation "
                             r"failed: no 1\.x version\. Check that --kubelet-endpoint" % DRIVER)
            # The kubelet does not offer the same socket again: the restart does.
            status, body = healthz(port)
            self.assertEqual(status, 503, body)
            self.assertIn("the kubelet refused to register the plugin: plugin validation", body)

            endpoint.call(ch, NOTIFY, reg.RegistrationStatus(plugin_registered=True),
                          reg.RegistrationStatusResponse)
            self.assertIn("The kubelet registered %s after all" % DRIVER, s.output())
            self.assertEqual(healthz(port), (200, "ok\n"))
            # The kubelet's numbering again: plugin_registered 1, error 2.
            endpoint.call(ch, NOTIFY, b"\x12\x04boom")
            self.assertIn("The kubelet refused to register %s: boom." % DRIVER, s.output())
            self.assertEqual(healthz(port)[0], 503)
            endpoint.call(ch, NOTIFY, b"\x08\x01")
            self.assertEqual(healthz(port), (200, "ok\n"))
        self.assertEqual(s.stop(), 0)
        # On SIGTERM the socket goes, and with it the kubelet's registration.
        self.assertFalse(os.path.exists(self.regsock))

    def test_healthz_fails_without_csi_endpoint(self):
        s, port = self.start_healthz("--registration-socket=")
        self.assertEqual(healthz(port, "HEAD"), (200, ""))
        self.assertEqual(healthz(port, path="/metric")[0], 404)
        # /healthz asked the CSI endpoint's Probe: /metrics counted it. No agent
        # (no API server here): the CSI calls alone.
        status, body = healthz(port, path="/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(prom_text.lint(body), "")
        series = prom_text.parse(body)
        self.assertGreaterEqual(prom_text.value(series, "meshstor_csi_calls_total",
                                                method="Probe", code="OK"), 1)
        self.assertFalse([n for n, _ in series if n.startswith("meshstor_agent_")])
        self.assertEqual(healthz(port, "POST")[0], 405)
        # The kubelet's plugin directory lost our socket: nobody reaches the node.
        os.unlink(s.sock)
        status, body = healthz(port)
        self.assertEqual(status, 503, body)
        self.assertIn("the CSI endpoint unix://%s did not answer Probe: UNAVAILABLE" % s.sock,
                      body)
        self.assertFalse(os.path.exists(self.regsock))

    def test_healthz_fails_without_registration_socket(self):
        s, port = self.start_healthz("--registration-socket=" + self.regsock)
        self.assertEqual(healthz(port), (200, "ok\n"))
        os.unlink(self.regsock)
        status, body = healthz(port)
        self.assertEqual(status, 503, body)
        self.assertIn("the registration socket %s was removed or replaced" % self.regsock, body)
        # Another socket in its place is not ours either.
        with socket.socket(socket.AF_UNIX) as other:
            other.bind(self.regsock)
            status, body = healthz(port)
        self.assertEqual(status, 503, body)

    def test_stale_socket_replaced_other_files_refused(self):
        with socket.socket(socket.AF_UNIX) as stale:
            stale.bind(self.regsock)
        s = self.start("--registration-socket=" + self.regsock)
        self.assertIn("Removing stale socket %s" % self.regsock, s.output())
        with self.registration_channel() as ch:
            endpoint.call(ch, GET_INFO, reg.InfoRequest(), reg.PluginInfo)
        self.assertEqual(s.stop(), 0)
        self.servers.remove(s)

        with open(self.regsock, "w") as f:
            f.write("not a socket\n")
        s = endpoint.Server(self.tmp, "node", ["--sysroot", self.tmp,
                                               "--registration-socket=" + self.regsock],
                            env=self.env)
        self.servers.append(s)
        s.proc.wait(20)
        text = s.output()  # before stop() closes the log
        self.assertEqual(s.stop(), 1)
        self.assertIn("%s exists and is not a socket; refusing to replace it" % self.regsock,
                      text)
        with open(self.regsock) as f:
            self.assertEqual(f.read(), "not a socket\n")

    def test_default_registration_needs_the_kubelets_directory(self):
        if os.path.exists("/var/lib/kubelet/plugins_registry"):
            self.skipTest("this host has a kubelet registration directory")
        s = self.start(wait_registration=False)
        # The CSI socket answers before the next step is logged: wait for the line.
        wait_for("the registration step's log line",
                 lambda: "No kubelet registration directory /var/lib/kubelet/plugins_registry: "
                 "not registering" in s.output())
        # A directory the operator named must be there.
        missing = os.path.join(self.tmp, "missing", "reg.sock")
        r = subprocess.run([endpoint.MESHSTOR, "node", "--node-id=n", "--sysroot", self.tmp,
                            "--csi-endpoint=unix://" + os.path.join(self.tmp, "b.sock"),
                            "--registration-socket=" + missing],
                           capture_output=True, text=True, timeout=20, env=self.env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("%s.lock: No such file or directory" % missing, r.stderr)

    def test_bad_options(self):
        for args in (["node", "--health-address=localhost:80"],
                     ["node", "--health-address=127.0.0.1:65536"],
                     ["node", "--health-address=::1:80"],
                     ["node", "--registration-socket=reg.sock"],
                     ["node", "--kubelet-endpoint=csi.sock"],
                     ["controller", "--registration-socket=/x.sock"],
                     ["controller", "--kubelet-endpoint=/x.sock"]):
            r = subprocess.run([endpoint.MESHSTOR, *args, "--node-id=n"], capture_output=True,
                               text=True, timeout=20)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("error", r.stderr, args)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        endpoint.MESHSTOR = sys.argv.pop(1)
    if not endpoint.MESHSTOR:
        sys.exit("usage: test_node_kubelet.py MESHSTOR (or set MESHSTOR)")
    unittest.main(verbosity=2)
