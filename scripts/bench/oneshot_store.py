"""A realistic image store for scripts/bench/start --only oneshot: OCI layouts written here, loaded with
./cwb load into a temporary CWB_HOME. Ten images: one with three gzip layers of 100 MB each (a few hundred
files of partly compressible data, like a Debian tree's), nine small ones (one to three layers, an ENV and a
LABEL step that change no files, as real builds have). Deterministic: the same bytes on every run.
"""
import gzip
import hashlib
import io
import json
import os
import random
import tarfile

BIG = "bench/big:3x100mb"
SMALL_PULL = "bench/small:v1"


def _blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def _layer(files, seed):
    """A gzip tar of (name, size) files with partly compressible content; returns (gzip bytes, diff_id)."""
    rng = random.Random(seed)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = set()
        for name, size in files:
            d = os.path.dirname(name)
            while d and d not in dirs:
                dirs.add(d)
                info = tarfile.TarInfo(d)
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                tar.addfile(info)
                d = os.path.dirname(d)
            data = rng.randbytes(size // 2).hex().encode()[:size]  # hex: about 2:1 under gzip
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1700000000
            tar.addfile(info, io.BytesIO(data))
    plain = raw.getvalue()
    packed = gzip.compress(plain, compresslevel=1, mtime=0)
    return packed, "sha256:" + hashlib.sha256(plain).hexdigest()


def write_layout(layout, ref, layers, steps):
    """One image: layers = [[(name, size)...]...]; steps = history lines (an empty_layer one has no files)."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    descriptors, diff_ids = [], []
    for i, files in enumerate(layers):
        packed, diff_id = _layer(files, f"{ref}/{i}")
        descriptors.append(dict(_blob(layout, packed), mediaType="application/vnd.oci.image.layer.v1.tar+gzip"))
        diff_ids.append(diff_id)
    history, layer_steps = [], iter(range(len(layers)))
    for step in steps:
        empty = step.startswith(("ENV", "LABEL", "CMD", "WORKDIR"))
        entry = {"created": "2026-11-01T10:00:00Z", "created_by": step}
        if empty:
            entry["empty_layer"] = True
        else:
            next(layer_steps)
        history.append(entry)
    config = {"created": "2026-11-01T10:00:00Z", "architecture": "amd64", "os": "linux",
              "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP=bench"],
                         "Cmd": ["/bin/sh"], "WorkingDir": "/", "Labels": {"org.example.bench": ref}},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history}
    cfg = dict(_blob(layout, json.dumps(config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cfg, "layers": descriptors}
    man = dict(_blob(layout, json.dumps(manifest).encode()), mediaType="application/vnd.oci.image.manifest.v1+json")
    man["annotations"] = {"org.opencontainers.image.ref.name": ref.split(":")[1]}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [man]}, f)


def big_image(layout):
    """Three layers of 100 MB each: 400 files of 250 kB."""
    layers = [[(f"opt/part{i}/dir{j // 40}/file{j}.dat", 250_000) for j in range(400)] for i in range(3)]
    write_layout(layout, BIG, layers, ["ADD part0 /opt/part0", "ENV PART=1", "ADD part1 /opt/part1",
                                        "LABEL stage=two", "ADD part2 /opt/part2", "CMD [\"/bin/sh\"]"])


def small_image(layout, ref, n):
    """One to three layers of a few dozen small files."""
    layers = [[(f"app{n}/layer{i}/f{j}.txt", 2_000 + 300 * j) for j in range(30 + 10 * i)] for i in range(1 + n % 3)]
    steps = []
    for i in range(len(layers)):
        steps += [f"COPY layer{i} /app{n}/layer{i}", f"ENV STEP{i}=done"]
    write_layout(layout, ref, layers, steps + ["CMD [\"/bin/sh\"]"])


def pull_image(layout):
    """The image pull fetches from the loopback registry: three layers of about 1 MB."""
    layers = [[(f"srv/l{i}/f{j}.bin", 50_000) for j in range(20)] for i in range(3)]
    write_layout(layout, SMALL_PULL, layers, [f"COPY l{i} /srv/l{i}" for i in range(3)])
