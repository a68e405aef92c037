#!/usr/bin/python3
"""Time sequential CSI Identity GetPluginInfo calls against a meshstor socket.

Run with Debian's /usr/bin/python3 (python3-grpcio); no generated stubs are
needed: the request is empty and the response is decoded by hand.
"""
import argparse
import sys
import time

import grpc

METHOD = "/csi.v1.Identity/GetPluginInfo"
DRIVER_NAME = "io.meshstor.csi.mesh"
WARMUP = 200
TARGET_P50_US = 200
TARGET_RSS_MIB = 20


def varint(buf, i):
    value = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def decode_plugin_info(buf):
    """Return {field number: bytes} for the length-delimited fields of a
    GetPluginInfoResponse (1 = name, 2 = vendor_version, 3 = manifest)."""
    fields = {}
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, i = varint(buf, i)
        elif wire_type == 2:
            length, i = varint(buf, i)
            if i + length > len(buf):
                raise ValueError("truncated field %d" % number)
            fields.setdefault(number, buf[i:i + length])
            i += length
        else:
            raise ValueError("unexpected wire type %d" % wire_type)
    return fields


def check(response):
    fields = decode_plugin_info(response)
    name = fields.get(1, b"").decode()
    if name != DRIVER_NAME:
        raise SystemExit("client: wrong plugin name %r (want %r)" % (name, DRIVER_NAME))
    if not fields.get(2):
        raise SystemExit("client: empty vendor_version")


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.split(":", 1) for line in f)


def kib_to_mib(value):  # "  9340 kB" -> 9.1
    return int(value.split()[0]) / 1024


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--socket", required=True, help="path of the CSI unix socket")
    ap.add_argument("--pid", type=int, required=True, help="server pid, for RSS and threads")
    ap.add_argument("--calls", type=int, default=10000, help="measured calls (default 10000)")
    args = ap.parse_args()

    with grpc.insecure_channel("unix://" + args.socket) as channel:
        call = channel.unary_unary(METHOD, request_serializer=None,
                                   response_deserializer=None)
        for _ in range(WARMUP):
            check(call(b"", timeout=10))

        lat_ns = []
        start = time.perf_counter_ns()
        for _ in range(args.calls):
            t0 = time.perf_counter_ns()
            response = call(b"", timeout=10)
            lat_ns.append(time.perf_counter_ns() - t0)
            check(response)
        elapsed_s = (time.perf_counter_ns() - start) / 1e9

    lat_ns.sort()
    us = lambda ns: ns / 1000
    p50 = us(percentile(lat_ns, 50))
    print("GetPluginInfo x%d sequential: p50 %.0f µs  p90 %.0f µs  p99 %.0f µs  "
          "max %.0f µs  (%.0f calls/s)" % (
              args.calls, p50, us(percentile(lat_ns, 90)), us(percentile(lat_ns, 99)),
              us(lat_ns[-1]), args.calls / elapsed_s))

    time.sleep(1)
    status = proc_status(args.pid)
    rss = kib_to_mib(status["VmRSS"])
    print("server RSS at rest: %.1f MiB (peak %.1f MiB), threads: %s" % (
        rss, kib_to_mib(status["VmHWM"]), status["Threads"].strip()))

    met = p50 < TARGET_P50_US and rss < TARGET_RSS_MIB
    print("targets: p50 < %d µs, RSS < %d MiB: %s" % (
        TARGET_P50_US, TARGET_RSS_MIB, "met" if met else "NOT met"))


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as e:
        sys.exit("client: call failed: %s: %s" % (e.code(), e.details()))
