"""Open a local HTML page in headless Chromium and report what a reader would see go wrong:
JavaScript exceptions, console errors (failed loads included), images that did not render.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands
on fd 3, answers on fd 4, JSON messages ending in NUL), so no driver package is needed. Each
page gets a fresh profile directory; the browser never reaches the network (the pages are
files, and the flags switch off its background traffic).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # resolve no host name: a page that tries to fetch from the network fails at once (and
    # says so in the console) instead of sending anything out
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--hide-scrollbars",
    "--window-size=1400,1000",
)

#: JavaScript run in the page once it has loaded: every <img> and whether it rendered.
_IMAGES_JS = """JSON.stringify(Array.from(document.images).map(i => ({
    src: (i.currentSrc || i.src || '').slice(0, 120),
    ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0
})))"""


def chromium() -> str | None:
    """Path of the Chromium binary (Debian's ``chromium`` package), or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    url: str
    title: str = ""
    n_images: int = 0
    broken_images: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.broken_images


class _Pipe:
    def __init__(self, proc: subprocess.Popen, write_fd: int, read_fd: int):
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for m in self._read(deadline):
                if m.get("id") == self.next_id:
                    if "error" in m:
                        raise RuntimeError(f"{method}: {m['error']}")
                    return m.get("result", {})
                self.events.append(m)

    def pump(self, seconds: float) -> None:
        """Collect events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.events.extend(self._read(deadline, allow_timeout=True))

    def _read(self, deadline: float, allow_timeout: bool = False) -> list[dict]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                if allow_timeout:
                    return []
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self.buffer += chunk
        out = []
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            out.append(json.loads(raw))
        return out


def _errors(events: list[dict], session: str) -> list[str]:
    errors = []
    for e in events:
        if e.get("sessionId") != session:
            continue
        p = e.get("params", {})
        if e.get("method") == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            desc = d.get("exception", {}).get("description") or d.get("text", "")
            errors.append(f"exception: {desc.splitlines()[0] if desc else d}")
        elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") == "error":
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            errors.append(f"console.error: {args[:300]}")
        elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            errors.append(
                f"log ({entry.get('source')}): {entry.get('text', '')[:300]} "
                f"{entry.get('url', '')[:120]}"
            )
    return errors


def check_pages(
    pages: list[Path],
    screenshot_dir: Path,
    settle: float = 3.0,
    actions: dict[str, list[str]] | None = None,
    full_page: bool = False,
) -> list[PageCheck]:
    """Open each page in one headless Chromium (fresh profile), wait for it to load and settle,
    run the page's ``actions`` (JavaScript snippets by page file name, e.g. a click, each
    followed by ``settle`` seconds), then record errors, images, the text and a full-window
    PNG screenshot per page."""
    actions = actions or {}
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("no chromium on PATH (Debian package `chromium`)")
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="recenter-chromium-")
    cmd_r, cmd_w = os.pipe()
    res_r, res_w = os.pipe()

    def child_fds() -> None:  # Chromium reads commands on fd 3 and answers on fd 4
        # via fresh copies: dup2 onto the same number would keep close-on-exec set
        read_copy, write_copy = os.dup(cmd_r), os.dup(res_w)
        os.dup2(read_copy, 3)
        os.dup2(write_copy, 4)

    proc = subprocess.Popen(
        [exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=child_fds,
        close_fds=False,
    )
    os.close(cmd_r)
    os.close(res_w)
    pipe = _Pipe(proc, cmd_w, res_r)
    results = []
    try:
        for page in pages:
            url = Path(page).resolve().as_uri()
            target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Runtime", "Log", "Page"):
                pipe.send(f"{domain}.enable", session=session)
            seen = len(pipe.events)
            pipe.send("Page.navigate", {"url": url}, session=session)
            deadline = time.monotonic() + 60
            while not any(
                e.get("method") == "Page.loadEventFired" and e.get("sessionId") == session
                for e in pipe.events[seen:]
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{page} did not finish loading in 60 s")
                pipe.pump(0.2)
            pipe.pump(settle)
            for snippet in actions.get(Path(page).name, []):
                done = pipe.send(
                    "Runtime.evaluate",
                    {"expression": snippet, "returnByValue": True},
                    session=session,
                )
                if "exceptionDetails" in done:
                    raise RuntimeError(f"{page}: action {snippet!r} failed: {done}")
                pipe.pump(settle)
            images = json.loads(
                pipe.send(
                    "Runtime.evaluate",
                    {"expression": _IMAGES_JS, "returnByValue": True},
                    session=session,
                )["result"]["value"]
            )
            info = pipe.send(
                "Runtime.evaluate",
                {
                    "expression": "JSON.stringify([document.title, document.body ? "
                    "document.body.innerText.slice(0, 20000) : ''])",
                    "returnByValue": True,
                },
                session=session,
            )["result"]["value"]
            title, text = json.loads(info)
            params = {"format": "png"}
            if full_page:  # the whole page, up to 12,000 CSS pixels tall
                size = pipe.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
                params |= {
                    "captureBeyondViewport": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": size["width"],
                        "height": min(size["height"], 12000),
                        "scale": 1,
                    },
                }
            shot = pipe.send("Page.captureScreenshot", params, session=session)
            png = screenshot_dir / (Path(page).stem + ".png")
            png.write_bytes(base64.b64decode(shot["data"]))
            results.append(
                PageCheck(
                    url=url,
                    title=title,
                    n_images=len(images),
                    broken_images=[i["src"] for i in images if not i["ok"]],
                    errors=_errors(pipe.events, session),
                    text=text,
                    screenshot=png,
                )
            )
            pipe.send("Target.closeTarget", {"targetId": target})
        try:
            pipe.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError):
            pass
    finally:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(cmd_w)
        os.close(res_r)
        shutil.rmtree(profile, ignore_errors=True)
    return results
