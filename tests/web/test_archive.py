"""Uploaded archives: traversal, links, bombs, member counts and manifests are refused clearly."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from frugalbench.errors import UserError
from frugalbench.web.archive import unpack

MANIFEST = json.dumps({"model": "majority", "task": "climate-disinfo", "params": {}})


def make_tar(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


def refused(archive: Path, dest: Path, **limits: int) -> str:
    with pytest.raises(UserError) as info:
        unpack(archive, dest, limits.get("max_bytes", 10**6), limits.get("max_members", 100))
    assert not dest.exists(), "nothing may be left behind"
    return str(info.value)


def test_a_model_directory_unpacks_at_the_top_or_in_one_folder(tmp_path: Path) -> None:
    flat = make_tar(tmp_path / "a.tar.gz", {"frugalbench-model.json": MANIFEST.encode()})
    assert unpack(flat, tmp_path / "a", 10**6, 100) == tmp_path / "a"
    nested = make_tar(tmp_path / "b.tar.gz", {"model/frugalbench-model.json": MANIFEST.encode()})
    assert unpack(nested, tmp_path / "b", 10**6, 100) == tmp_path / "b" / "model"


def test_path_traversal_is_refused(tmp_path: Path) -> None:
    bad = make_tar(tmp_path / "t.tar.gz", {"../evil.py": b"x", "frugalbench-model.json": b"{}"})
    assert "path traversal" in refused(bad, tmp_path / "out")
    absolute = make_tar(tmp_path / "abs.tar.gz", {"/etc/cron.d/x": b"x"})
    assert "path traversal" in refused(absolute, tmp_path / "out2")
    assert not (tmp_path / "evil.py").exists()


def test_links_are_refused(tmp_path: Path) -> None:
    bad = make_tar(tmp_path / "l.tar.gz", {}, links={"frugalbench-model.json": "/etc/passwd"})
    assert "is a link" in refused(bad, tmp_path / "out")
    zpath = tmp_path / "l.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    assert "is a link" in refused(zpath, tmp_path / "out2")


def test_a_zip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("frugalbench-model.json", MANIFEST)
        zf.writestr("weights.bin", b"\0" * 5_000_000)  # 5 MB of zeros: a few kB compressed
    assert bomb.stat().st_size < 20_000
    assert "over the limit" in refused(bomb, tmp_path / "out", max_bytes=1_000_000)


def test_sizes_that_lie_are_caught_while_writing(tmp_path: Path) -> None:
    """A zip whose header claims a small size: the bytes actually produced are counted."""
    zpath = tmp_path / "liar.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("frugalbench-model.json", MANIFEST)
        zf.writestr("big.bin", b"x" * 200_000)
    data = bytearray(zpath.read_bytes())
    # patch the central directory's uncompressed size of big.bin to 10 bytes
    name = b"big.bin"
    at = data.rfind(name)
    central = data.rfind(b"PK\x01\x02", 0, at)
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    zpath.write_bytes(bytes(data))
    message = refused(zpath, tmp_path / "out", max_bytes=100_000)
    assert "more than 100000 bytes" in message or "not a readable zip" in message


def test_too_many_members_and_missing_manifests(tmp_path: Path) -> None:
    many = make_tar(tmp_path / "m.tar.gz", {f"f{i}": b"" for i in range(50)})
    assert "50 members" in refused(many, tmp_path / "out", max_members=10)
    empty = make_tar(tmp_path / "e.tar.gz", {"readme.txt": b"hi"})
    assert "no frugalbench-model.json" in refused(empty, tmp_path / "out2")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    assert "not a readable tar archive" in refused(junk, tmp_path / "out3")
    other = tmp_path / "model.rar"
    other.write_bytes(b"x")
    assert ".tar.gz" in refused(other, tmp_path / "out4")
