"""`cin docs`: where the static docs site is, and --serve serving it on localhost."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cin_warehouse.cli import main

PAGE = "<!doctype html><title>CIN warehouse</title><p>dbt docs, one file</p>\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "target" / "static_index.html"
    path.parent.mkdir()
    path.write_text(PAGE, encoding="utf-8")
    (path.parent / "manifest.json").write_text("{}", encoding="utf-8")
    return path


def test_prints_the_path_of_the_site(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--site", str(site)]) == 0
    assert str(site.resolve()) in capsys.readouterr().out


def test_a_site_not_built_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "target" / "static_index.html"
    assert main(["docs", "--site", str(missing)]) == 2
    error = capsys.readouterr().err
    assert str(missing) in error
    assert "make demo" in error and "dbt docs generate --static" in error


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_serve_serves_the_site_on_localhost_until_interrupted(site: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "cin_warehouse.cli", "docs", "--serve", "--port", "0"]
        + ["--site", str(site)],
        stdout=subprocess.PIPE,
        text=True,
        # As from a terminal: a run started in the background (CI, `make test &`) inherits
        # SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(2)]
        assert str(site.resolve()) in lines[0]
        assert lines[1].startswith("Serving at http://127.0.0.1:"), lines
        url = lines[1].split()[2]
        assert _get(url) == (200, PAGE.encode())
        assert _get(url + "static_index.html") == (200, PAGE.encode())
        # Only the site: the rest of the target folder is not served.
        assert _get(url + "manifest.json")[0] == 404
        assert _get(url + "../manifest.json")[0] == 404
        server.send_signal(signal.SIGINT)  # Ctrl-C
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
