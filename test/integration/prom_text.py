"""A strict reader of the Prometheus text format (version 0.0.4) for the tests:
every sample belongs to a family declared with HELP and TYPE, counters end in
_total, histogram buckets are cumulative and end at +Inf with the count, no
series appears twice. Returns {(name, frozenset(labels.items())): value}."""
import math
import os
import re
import shutil
import subprocess

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def _labels(text):
    out, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError("bad labels: %r" % text)
        if m.group(1) in out:
            raise ValueError("label %s twice: %r" % (m.group(1), text))
        out[m.group(1)] = re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1),
                                 m.group(2))
        pos = m.end()
    return out


def _family(name, types):
    if name in types:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    raise ValueError("sample %s has no TYPE" % name)


def _check_histograms(series, types):
    for base in (n for n, t in types.items() if t == "histogram"):
        groups = {}
        for (name, labels), value in series.items():
            if name == base + "_bucket":
                rest = frozenset((k, v) for k, v in labels if k != "le")
                le = dict(labels)["le"]
                groups.setdefault(rest, []).append((math.inf if le == "+Inf" else float(le),
                                                    value))
        for rest, buckets in groups.items():
            buckets.sort()
            counts = [v for _, v in buckets]
            if counts != sorted(counts) or buckets[-1][0] != math.inf:
                raise ValueError("%s%s: buckets not cumulative to +Inf" % (base, dict(rest)))
            if series.get((base + "_count", rest)) != counts[-1]:
                raise ValueError("%s%s: count is not the +Inf bucket" % (base, dict(rest)))
            if (base + "_sum", rest) not in series:
                raise ValueError("%s%s: no sum" % (base, dict(rest)))


def parse(text):
    helps, types, series = set(), {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            if name in helps or name in types:
                raise ValueError("HELP for %s twice, or after its TYPE" % name)
            helps.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if name in types or name not in helps:
                raise ValueError("TYPE for %s twice, or without HELP" % name)
            if kind not in ("counter", "gauge", "histogram"):
                raise ValueError("%s: type %s" % (name, kind))
            if (kind == "counter") != name.endswith("_total"):
                raise ValueError("%s: counters, and only they, end in _total" % name)
            if not name.startswith("meshstor_"):
                raise ValueError("%s: not meshstor_" % name)
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError("bad line: %r" % line)
            _family(m.group(1), types)
            key = (m.group(1), frozenset(_labels(m.group(2) or "").items()))
            if key in series:
                raise ValueError("series twice: %r" % line)
            series[key] = float(m.group(3))
    _check_histograms(series, types)
    return series


def value(series, name, **labels):
    """The value of the one series of name with exactly these labels, or None."""
    return series.get((name, frozenset(labels.items())))


def promtool():
    """Debian's promtool as scripts/install-deps unpacked it ($PROMTOOL first)."""
    if os.environ.get("PROMTOOL"):
        return os.environ["PROMTOOL"]
    cache = os.environ.get("MESHSTOR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "meshstor")
    found = os.path.join(cache, "bin", "promtool")
    found = found if os.access(found, os.X_OK) else shutil.which("promtool")
    if not found:
        raise AssertionError("no promtool: scripts/install-deps unpacks Debian's")
    return found


def lint(text):
    """What `promtool check metrics` finds wrong with text (Prometheus' own parser and
    naming rules); empty when nothing."""
    p = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True,
                       text=True)
    return "" if p.returncode == 0 else (p.stdout + p.stderr).strip() or "exit %d" % p.returncode
