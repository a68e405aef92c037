#!/usr/bin/python3
"""Writes seed inputs for fuzz-csi-request: one valid request for each method
the fuzzer can pick, encoded with Python's protobuf from proto/csi.proto.
The first byte is the method index, in the order of fuzz-csi-request.c."""
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "test/fuzz/corpus/csi-request")

sys.path.insert(0, os.path.join(top, "test"))
from csipb import csi  # noqa: E402

services = ["Identity", "Controller", "Node", "GroupController"]
methods = [m for s in services for m in csi.DESCRIPTOR.services_by_name[s].methods]

def cap():
    c = csi.VolumeCapability()
    c.mount.fs_type = "xfs"
    c.mount.mount_flags.append("noatime")
    c.access_mode.mode = csi.VolumeCapability.AccessMode.SINGLE_NODE_WRITER
    return c

def fill(msg):
    """Sets the fields most requests share, where the message has them."""
    fields = msg.DESCRIPTOR.fields_by_name
    for name in ("name", "volume_id", "node_id", "staging_target_path", "target_path",
                 "volume_path", "snapshot_id", "source_volume_id", "starting_token"):
        if name in fields:
            setattr(msg, name, "pvc-0b7e4c9e-" + name)
    if "volume_capability" in fields:
        msg.volume_capability.CopyFrom(cap())
    if "volume_capabilities" in fields:
        msg.volume_capabilities.append(cap())
    if "parameters" in fields:
        msg.parameters["numberOfCopies"] = "2"
        msg.parameters["drivesPerCopy"] = "1"
    if "secrets" in fields:
        msg.secrets["token"] = "s3cr\u00e9t"
    if "capacity_range" in fields:
        msg.capacity_range.required_bytes = 1 << 30
    if "max_entries" in fields:
        msg.max_entries = 10

os.makedirs(out, exist_ok=True)
for i, m in enumerate(methods):
    req = getattr(csi, m.input_type.name)()
    fill(req)
    with open(os.path.join(out, "seed-%02d-%s" % (i, m.name)), "wb") as f:
        f.write(bytes([i]) + req.SerializeToString())
print("wrote %d seeds to %s" % (len(methods), out))
