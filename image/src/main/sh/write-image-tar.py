#!/usr/bin/env python3
"""Writes ROOTFS as a one-layer image tar in `docker save` format (manifest.json, the image config, the layer),
which Jib reads as a base image given as tar://PATH. Every entry is owned by root with a fixed time, so the layer
(and its digest) depends only on the files; the account the server runs as is added here: uid/gid 10001 "bedrock",
owning only its home and the cache directory (the volume mount point)."""
import hashlib, io, json, os, sys, tarfile

UID = 10001
MTIME = 1700000000  # fixed: reproducible layers

def main(rootfs, out):
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        def norm(info):
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = MTIME
            return info
        for name in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, name), arcname=name, filter=norm)  # recursive, links kept as links
        def add_dir(path, uid=0, mode=0o755):
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.uid, info.gid, info.mtime = tarfile.DIRTYPE, mode, uid, uid, MTIME
            tar.addfile(info)
        def add_file(path, text):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, MTIME
            tar.addfile(info, io.BytesIO(data))
        for d in ["etc", "home", "var", "var/cache", "proc", "sys", "dev", "models", "etc/local-bedrock"]:
            if not os.path.isdir(os.path.join(rootfs, d)):
                add_dir(d)
        add_dir("tmp", mode=0o1777)
        add_dir("home/bedrock", uid=UID, mode=0o750)
        add_dir("var/cache/local-bedrock", uid=UID, mode=0o750)
        add_file("etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\n"
                 f"bedrock:x:{UID}:{UID}:local-bedrock:/home/bedrock:/sbin/nologin\n")
        add_file("etc/group", f"root:x:0:\nbedrock:x:{UID}:\n")
        add_file("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
        add_file("etc/hosts", "127.0.0.1 localhost\n::1 localhost\n")
    blob = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(blob).hexdigest()
    config = {
        "architecture": "amd64", "os": "linux",
        "config": {
            "Env": ["PATH=/opt/java/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java", "HOME=/home/bedrock", "LANG=C.UTF-8"],
            "User": f"{UID}:{UID}",
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "image/src/main/sh/build-base.sh"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": ["local-bedrock-base:latest"], "Layers": ["layer.tar"]}]
    tmp = out + ".tmp"
    with tarfile.open(tmp, mode="w") as tar:
        for name, data in [(config_name, config_bytes), ("layer.tar", blob),
                           ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), MTIME
            tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, out)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
