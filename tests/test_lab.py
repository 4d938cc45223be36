"""`make lab` starts JupyterLab on localhost with token authentication, at the TOC."""

import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

from dlbasics.tools import lab


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_command_keeps_localhost_and_auth():
    cmd = " ".join(lab.command(port=9999, open_browser=False))
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert "token=''" not in cmd and "disable_check_xsrf" not in cmd and "allow_remote" not in cmd
    assert cmd.endswith("--no-browser") and f"/lab/tree/{lab.START_PAGE}" in cmd


def test_jupyterlab_answers_with_its_token_and_refuses_without(tmp_path):
    port = free_port()
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(lab.command(port=port, open_browser=False),
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        token = None
        for _ in range(120):
            found = re.search(rf"http://127\.0\.0\.1:{port}/lab\S*\?token=(\w+)", log.read_text())
            if found:
                token = found.group(1)
                break
            assert server.poll() is None, log.read_text()
            time.sleep(0.5)
        assert token, log.read_text()
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            if status(f"{base}/api/status?token={token}") == 200:
                break
            time.sleep(0.5)
        assert status(f"{base}/api/status?token={token}") == 200
        assert status(f"{base}/api/status") == 403
        assert status(f"{base}/api/contents/{lab.START_PAGE}?token={token}") == 200
        assert status(f"{base}/lab/api/translations/ko_KR?token={token}") == 200
        plugin = "@jupyterlab/translation-extension:plugin"
        with urllib.request.urlopen(f"{base}/lab/api/settings/{plugin}?token={token}") as r:
            schema = json.load(r)["schema"]
        assert schema["properties"]["locale"]["default"] == "ko_KR"  # Korean UI by default
        plugin = "@jupyterlab/apputils-extension:notification"
        with urllib.request.urlopen(f"{base}/lab/api/settings/{plugin}?token={token}") as r:
            schema = json.load(r)["schema"]
        assert schema["properties"]["fetchNews"]["default"] == "false"  # offline: no news feed
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_write_defaults_keeps_other_settings(tmp_path):
    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "dark"}}))
    assert lab.write_defaults(prefix=tmp_path) == path
    settings = json.loads(path.read_text(encoding="utf-8"))
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "dark"}
    assert settings["@jupyterlab/translation-extension:plugin"] == {"locale": "ko_KR"}
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
