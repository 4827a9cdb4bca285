"""Figures do not depend on the machine's fonts: every chart is set in the project's own font
(Roboto from the pinned font-roboto package, registered with vl-convert), so the same spec gives
the same PNG bytes with the system's fonts, with extra fonts in the user's font folder, and
with no system font at all (an empty /usr/share/fonts in a private mount namespace).

Each comparison has a control: the same change of the font set does change the bytes of a
chart that relies on the system (a generic family, or the font name without registration),
so the comparison can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recenter.charts import FONT, font_directory

# A chart with every kind of text: title and subtitle (save_chart's banner), axis titles and
# labels, a legend and text marks.
SCRIPT = r"""
import hashlib, json, sys
from pathlib import Path
import altair as alt
out, mode = Path(sys.argv[1]), sys.argv[2]
rows = [{"system": s, "kind": k, "value": v} for s, k, v in
        [("gpt-5.4", "llm", 0.62), ("annotator H1", "human", 0.41), ("BM25", "baseline", 0.3)]]
base = alt.Chart(alt.Data(values=rows))
bars = base.mark_bar().encode(
    y=alt.Y("system:N", title="system"), x=alt.X("value:Q", title="share marked relevant"),
    color=alt.Color("kind:N", title="rater kind"))
text = base.mark_text(align="left", dx=4, fontSize=10).encode(
    y="system:N", x="value:Q", text=alt.Text("value:Q", format=".2f"))
# the figures' non-Latin characters too: a glyph the project font lacked fell back to the system
chart = alt.layer(bars, text).properties(
    title="Relevance rates (0.62 vs 0.41; κ, ρ, Δ −0.2, n ≤ 3 · 2–4)", width=240)
if mode == "project":
    from recenter.outputs import save_chart
    save_chart(chart, out / "fig", data_kind="simulated")
    png = (out / "fig.png").read_bytes()
else:  # control: rendered without the project font; mode is the font named
    import vl_convert as vlc
    spec = chart.to_dict()
    spec["config"] = {"font": mode}
    png = vlc.vegalite_to_png(spec, scale=2)
print(hashlib.sha256(png).hexdigest())
"""


def _render(tmp: Path, mode: str, *, home: Path, empty_system_fonts: bool) -> str:
    out = tmp / f"out-{len(list(tmp.iterdir()))}"
    out.mkdir()
    script = tmp / "render.py"
    script.write_text(SCRIPT, encoding="utf-8")
    cmd = [sys.executable, str(script), str(out), mode]
    if empty_system_fonts:
        empty = tmp / "no-fonts"
        empty.mkdir(exist_ok=True)
        inner = " ".join(f"'{c}'" for c in cmd)
        cmd = [
            "unshare",
            "--mount",
            "sh",
            "-c",
            f"mount --bind '{empty}' /usr/share/fonts && {inner}",
        ]
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def _can_hide_system_fonts() -> str | None:
    """None if a private mount namespace can hide /usr/share/fonts here, else why not."""
    if shutil.which("unshare") is None or not Path("/usr/share/fonts").is_dir():
        return "no unshare or no /usr/share/fonts"
    proc = subprocess.run(
        ["unshare", "--mount", "sh", "-c", "mount --bind /tmp /usr/share/fonts"],
        capture_output=True,
        text=True,
    )
    return None if proc.returncode == 0 else f"unshare --mount is not permitted: {proc.stderr}"


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> tuple[Path, Path]:
    """An empty home, and a home whose ~/.fonts holds extra fonts: copies of the system's
    and a lone Regular face of the project's own family (a partial other install of it)."""
    root = tmp_path_factory.mktemp("homes")
    empty, extra = root / "empty", root / "extra"
    empty.mkdir()
    fonts = extra / ".fonts"
    fonts.mkdir(parents=True)
    for path in sorted(Path("/usr/share/fonts").rglob("*.ttf"))[:6]:
        shutil.copy(path, fonts / path.name)
    shutil.copy(Path(font_directory()) / f"{FONT}-Regular.ttf", fonts / f"Other{FONT}-Regular.ttf")
    return empty, extra


def test_project_font_is_shipped_by_the_environment() -> None:
    files = sorted(p.name for p in Path(font_directory()).glob("*.ttf"))
    assert f"{FONT}-Regular.ttf" in files and f"{FONT}-Bold.ttf" in files


def test_png_bytes_do_not_depend_on_user_fonts(tmp_path: Path, homes) -> None:
    empty, extra = homes
    a = _render(tmp_path, "project", home=empty, empty_system_fonts=False)
    b = _render(tmp_path, "project", home=extra, empty_system_fonts=False)
    assert a == b
    # control: the font named without registration resolves through the user's fonts
    c = _render(tmp_path, FONT, home=empty, empty_system_fonts=False)
    d = _render(tmp_path, FONT, home=extra, empty_system_fonts=False)
    assert c != d


def test_png_bytes_do_not_depend_on_system_fonts(tmp_path: Path, homes) -> None:
    why = _can_hide_system_fonts()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    empty, _ = homes
    a = _render(tmp_path, "project", home=empty, empty_system_fonts=False)
    b = _render(tmp_path, "project", home=empty, empty_system_fonts=True)
    assert a == b
    # control: a generic family does change with the system's fonts
    c = _render(tmp_path, "sans-serif", home=empty, empty_system_fonts=False)
    d = _render(tmp_path, "sans-serif", home=empty, empty_system_fonts=True)
    assert c != d


def test_every_chart_is_set_in_the_project_font(tmp_path: Path) -> None:
    """save_chart writes the font into the spec, over whatever the chart named."""
    import altair as alt

    from recenter.outputs import save_chart

    chart = (
        alt.Chart(alt.Data(values=[{"a": "x", "b": 1}]))
        .mark_text()
        .encode(x="a:N", text="b:Q")
        .configure(font="sans-serif")
    )
    save_chart(chart, tmp_path / "c", data_kind="fixture")
    spec = (tmp_path / "c.vl.json").read_text(encoding="utf-8")
    assert f'"font": "{FONT}"' in spec and "sans-serif" not in spec
    assert f'font-family="{FONT}"' in (tmp_path / "c.svg").read_text(encoding="utf-8")
