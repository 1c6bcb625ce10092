"""Draw the figures of the README from the data, with matplotlib: byte-for-byte the same SVG on every run.

    python -m scripts.charts                     # rewrite docs/figures/*.svg (only files whose content changes)
    python -m scripts.charts --check             # exit 1 when a committed figure differs from what would be drawn
    python -m scripts.charts --output-dir DIR    # draw into DIR instead

timeline.svg     the dated events on a time axis (occurred, planned and expected drawn differently) and the
                 undated ones listed apart in a side panel
delegations.svg  the two delegations: leader, members, their parties and the roles the article gives them

Every event and member is an SVG group whose id names it (event-<status>-<event_id>,
undated-<status>-<event_id>, member-<delegation_id>-<person_id>), so the figures can be checked and styled.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import textwrap
from pathlib import Path

import matplotlib
from matplotlib.dates import DateFormatter, DayLocator, MonthLocator, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from scripts.csvio import read_rows
from scripts.generated import INPUT_ERRORS, write_or_check

FIGURES_DIR = "docs/figures"
# Fixed inputs of matplotlib's SVG writer: no date in the metadata, ids hashed with a constant salt.
RC = {
    "svg.hashsalt": "india-pakistan-delegations-washington-2025",
    "svg.fonttype": "path",  # glyphs as paths: the picture does not depend on the viewer's fonts
    "font.family": "DejaVu Sans",  # shipped with matplotlib, so the same everywhere
    "font.size": 9,
    "path.simplify": True,
}
SVG_METADATA = {"Date": None}

STATUS_STYLES = {  # occurred: filled; planned and expected: open markers of their own shape and colour
    "occurred": {"marker": "o", "color": "#1f4e79", "fill": True, "label": "occurred"},
    "planned": {"marker": "s", "color": "#c55a11", "fill": False, "label": "planned"},
    "expected": {"marker": "D", "color": "#7030a0", "fill": False, "label": "expected"},
}
PARTY_COLOURS = ["#e07b00", "#2e7d32", "#1565c0", "#ad1457", "#6d4c41", "#00838f", "#5e35b1"]
NO_PARTY_COLOUR = "#9e9e9e"


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _wrap(text: str, width: int, max_lines: int) -> str:
    lines = textwrap.wrap(text, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return "\n".join(lines)


def _marker(ax, x, y, status: str, gid: str | None = None, size: float = 8, transform=None):
    style = STATUS_STYLES[status]
    kwargs = {"transform": transform} if transform is not None else {}
    (line,) = ax.plot([x], [y], linestyle="none", marker=style["marker"], markersize=size,
                      markeredgecolor=style["color"], markeredgewidth=1.6,
                      markerfacecolor=style["color"] if style["fill"] else "white", clip_on=False, **kwargs)
    if gid:
        line.set_gid(gid)
    return line


def draw_timeline(events: list[dict]) -> Figure:
    dated = sorted((e for e in events if e["date_start"]), key=lambda e: (e["date_start"], e["event_id"]))
    undated = [e for e in events if not e["date_start"]]
    # the side panel lists the undated events in lines of fixed size: the figure grows with their number
    panel_lines = sum(_wrap(e["description"], 62, 3).count("\n") + 1.45 for e in undated) + 1.9 * len(STATUS_STYLES)
    height = max(8.4, 8.4 * (0.11 + panel_lines * 0.0205) / 0.9)
    scale = 8.4 / height
    fig = Figure(figsize=(13, height))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.55, 1], wspace=0.04, left=0.075, right=0.99, top=0.9, bottom=0.04)
    ax = fig.add_subplot(grid[0])
    side = fig.add_subplot(grid[1])
    fig.suptitle("Events of the article, April–June 2025", x=0.075, ha="left", fontsize=14, fontweight="bold")
    fig.text(0.075, 0.925, "Dated events on the time axis; the events the article leaves undated are listed on the "
             "right. Dates without a year are taken in 2025, the year of publication.", fontsize=9, color="#444444")

    starts = [_date(e["date_start"]) for e in dated]
    ends = [_date(e["date_end"]) or _date(e["date_start"]) for e in dated]
    first, last = min(starts), max(ends)
    top, bottom = date2num(first - dt.timedelta(days=4)), date2num(last + dt.timedelta(days=3))
    ax.set_ylim(bottom, top)  # time runs downwards
    ax.set_xlim(0, 1)
    axis_x = 0.06
    ax.axvline(axis_x, color="#888888", linewidth=1.2, zorder=1)
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.spines["left"].set_position(("axes", 0))
    ax.set_xticks([])
    ax.yaxis.set_major_locator(MonthLocator())
    ax.yaxis.set_major_formatter(DateFormatter("%-d %b %Y"))
    ax.yaxis.set_minor_locator(DayLocator(bymonthday=[8, 15, 22]))
    ax.yaxis.set_minor_formatter(DateFormatter("%-d %b"))
    ax.tick_params(axis="y", which="minor", labelsize=7, labelcolor="#666666")
    ax.grid(axis="y", which="major", color="#dddddd", linewidth=0.8)

    # Labels in evenly spaced slots, each joined to its date by a leader line: days with several events stay legible.
    slot_top, slot_bottom = top + 0.5, bottom - 0.5
    step = (slot_bottom - slot_top) / max(len(dated) - 1, 1)
    label_x = 0.2
    for index, event in enumerate(dated):
        status = event["status"]
        style = STATUS_STYLES[status]
        start, end = date2num(_date(event["date_start"])), date2num(ends[index])
        slot = slot_top + index * step
        group = f"event-{status}-{event['event_id']}"
        if end > start:  # a span of days: a bar from the first to the last day
            bar = ax.plot([axis_x, axis_x], [start, end], color=style["color"], linewidth=6, alpha=0.55,
                          solid_capstyle="round", zorder=2)[0]
            bar.set_gid(f"{group}-span")
        _marker(ax, axis_x, start, status, gid=group)
        ax.plot([axis_x + 0.012, label_x - 0.012], [start, slot], color=style["color"], linewidth=0.7,
                linestyle="-" if style["fill"] else (0, (3, 2)), zorder=1)
        when = _date(event["date_start"]).strftime("%-d %b")
        if event["date_end"]:
            when += "–" + _date(event["date_end"]).strftime("%-d %b")
        label = ax.text(label_x, slot, f"{when}  ·  {_wrap(event['description'], 78, 2)}", va="center",
                        fontsize=8.5, color="#222222" if style["fill"] else style["color"],
                        fontstyle="normal" if style["fill"] else "italic")
        label.set_gid(f"{group}-label")

    handles = [Line2D([], [], linestyle="none", marker=s["marker"], markersize=7, markeredgewidth=1.6,
                      markeredgecolor=s["color"], markerfacecolor=s["color"] if s["fill"] else "white",
                      label=s["label"]) for s in STATUS_STYLES.values()]
    fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.99, 0.995), ncols=3, frameon=False,
               fontsize=8.5, title="Status in the article (planned and expected: open markers, italic labels)",
               title_fontsize=8.5)

    side.set_axis_off()
    side.set_xlim(0, 1)
    side.set_ylim(0, 1)
    side.add_patch(FancyBboxPatch((0.0, 0.0), 1.0, 1.0, boxstyle="round,pad=0,rounding_size=0.015",
                                  facecolor="#f6f6f6", edgecolor="#cccccc", linewidth=0.8))
    side.text(0.04, 0.975, f"Undated events ({len(undated)})", fontsize=11, fontweight="bold", va="top")
    side.text(0.04, 0.945, "The article gives no date for these.", fontsize=8, color="#555555", va="top")
    y = 0.905
    line_height = 0.0205 * scale
    for status in STATUS_STYLES:
        group_events = sorted((e for e in undated if e["status"] == status), key=lambda e: e["event_id"])
        if not group_events:
            continue
        side.text(0.04, y, f"{status} ({len(group_events)})", fontsize=9, fontweight="bold",
                  color=STATUS_STYLES[status]["color"], va="top")
        y -= line_height * 1.35
        for event in group_events:
            text = _wrap(event["description"], 62, 3)
            _marker(side, 0.06, y - 0.008, status, gid=f"undated-{status}-{event['event_id']}", size=5.5)
            side.text(0.1, y, text, fontsize=7.8, va="top", color="#222222", linespacing=1.15)
            y -= line_height * (text.count("\n") + 1) + 0.009 * scale
        y -= 0.01 * scale
    if y < 0:
        raise ValueError(f"the undated events do not fit the side panel ({len(undated)} events); "
                         "make the figure taller")
    return fig


def draw_delegations(delegations: list[dict], members: list[dict], persons: list[dict], parties: list[dict],
                     roles: list[dict], organizations: list[dict]) -> Figure:
    person = {p["person_id"]: p for p in persons}
    party = {p["party_id"]: p for p in parties}
    country = {o["organization_id"]: o["name"] for o in organizations}
    role_titles: dict[str, list[str]] = {}
    for role in sorted(roles, key=lambda r: r["role_id"]):
        role_titles.setdefault(role["person_id"], []).append(role["title"])
    used_parties = sorted({person[m["person_id"]]["party_id"] for m in members if person[m["person_id"]]["party_id"]})
    colour = {pid: PARTY_COLOURS[i % len(PARTY_COLOURS)] for i, pid in enumerate(used_parties)}

    by_delegation = {d["delegation_id"]: [] for d in delegations}
    for m in members:
        by_delegation.setdefault(m["delegation_id"], []).append(m)
    tallest = max(len(v) for v in by_delegation.values())
    fig = Figure(figsize=(13, 1.9 + 0.62 * tallest))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.86))
    ax.set_axis_off()
    ax.set_xlim(0, len(delegations))
    ax.set_ylim(-tallest - 0.4, 1.25)
    fig.suptitle("The two delegations: members and parties", x=0.02, y=0.975, ha="left", fontsize=14,
                 fontweight="bold")
    fig.text(0.02, 0.905, "As the article names them; a member without a party is one whose party the article "
             "does not give.", fontsize=9, color="#444444")

    for column, delegation in enumerate(delegations):
        did = delegation["delegation_id"]
        group = sorted(by_delegation[did], key=lambda m: (m["role"] != "leader", person[m["person_id"]]["name"]))
        x0 = column + 0.04
        size = (f"stated size {delegation['stated_size']}" if delegation["stated_size"]
                else "size not stated")
        header = f"{delegation['name']}  ({country.get(delegation['country_id'], delegation['country_id'])})"
        ax.add_patch(FancyBboxPatch((x0, 0.35), 0.9, 0.75, boxstyle="round,pad=0.0,rounding_size=0.08",
                                    facecolor="#eef3f8", edgecolor="#1f4e79", linewidth=1.2))
        ax.text(x0 + 0.03, 0.85, header, fontsize=12, fontweight="bold", va="center", color="#1f4e79")
        ax.text(x0 + 0.03, 0.55, f"{size}; {len(group)} named in the article", fontsize=9, va="center",
                color="#333333")
        trunk_x = x0 + 0.05
        ax.plot([trunk_x, trunk_x], [0.35, -len(group) + 0.5], color="#9aa9b8", linewidth=1.2, zorder=1)
        for row, member in enumerate(group):
            y = -row - 0.35
            who = person[member["person_id"]]
            party_id = who["party_id"]
            fill = colour.get(party_id, NO_PARTY_COLOUR)
            ax.plot([trunk_x, trunk_x + 0.05], [y, y], color="#9aa9b8", linewidth=1.2, zorder=1)
            dot = ax.plot([trunk_x + 0.065], [y], linestyle="none", marker="o", markersize=13 if
                          member["role"] == "leader" else 10, markerfacecolor=fill, markeredgecolor="#333333",
                          markeredgewidth=1.0, zorder=3)[0]
            dot.set_gid(f"member-{did}-{member['person_id']}")
            name = who["name"] + ("  — leader" if member["role"] == "leader" else "")
            ax.text(trunk_x + 0.1, y + 0.13, name, fontsize=10.5, va="center",
                    fontweight="bold" if member["role"] == "leader" else "normal")
            party_text = (party[party_id]["abbreviation"] or party[party_id]["name"]) if party_id else "party not given"
            details = "; ".join([party_text] + role_titles.get(member["person_id"], []))
            ax.text(trunk_x + 0.1, y - 0.2, _wrap(details, 95, 1), fontsize=8, va="center", color="#555555")

    handles = [Line2D([], [], linestyle="none", marker="o", markersize=9, markerfacecolor=colour[pid],
                      markeredgecolor="#333333", label=party[pid]["name"]) for pid in used_parties]
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=9, markerfacecolor=NO_PARTY_COLOUR,
                          markeredgecolor="#333333", label="party not given"))
    ax.legend(handles=handles, loc="lower center", ncols=len(handles), frameon=False, fontsize=8.5,
              bbox_to_anchor=(0.5, -0.02), title="Party", title_fontsize=8.5)
    return fig


def figures(root: Path) -> dict[str, Figure]:
    data = {name: read_rows(root / "data" / f"{name}.csv")
            for name in ("events", "delegations", "delegation_members", "persons", "parties", "roles",
                         "organizations")}
    return {
        "timeline.svg": draw_timeline(data["events"]),
        "delegations.svg": draw_delegations(data["delegations"], data["delegation_members"], data["persons"],
                                            data["parties"], data["roles"], data["organizations"]),
    }


def render_svg(fig: Figure) -> str:
    import io

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def render_all(root: Path | str = ".") -> dict[str, str]:
    with matplotlib.rc_context(RC):
        return {name: render_svg(fig) for name, fig in figures(Path(root)).items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="package directory (default: .)")
    parser.add_argument("--output-dir", help=f"where to write the figures (default: ROOT/{FIGURES_DIR})")
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    args = parser.parse_args(argv)
    root = Path(args.root)
    out = Path(args.output_dir) if args.output_dir else root / FIGURES_DIR
    try:
        rendered = render_all(root)
    except INPUT_ERRORS as error:
        print(f"error: cannot draw the figures: {error}", file=sys.stderr)
        return 2
    drifted = [name for name, text in rendered.items()
               if write_or_check(out / name, text, args.check, "scripts/charts.py")]
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
