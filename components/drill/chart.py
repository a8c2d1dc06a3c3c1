"""The drills' chart: one self-contained HTML file with inline SVG (no script, no network), per drill
four panels over the drill's window (requests, 5xx, p99 latency, ready replicas and healthy
targets), the fault marked as a shaded band."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from .metrics import ELB_5XX, HEALTHY, P99, READY, REQUESTS, TARGET_5XX, ZONE_PREFIX, Series
from .report import outcome, overall
from .runner import DrillResult

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 160, 56, 12, 34, 24
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")

PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("requests per minute", (REQUESTS,)),
    ("5xx per minute", (ELB_5XX, TARGET_5XX)),
    ("p99 latency (s)", (P99,)),
    ("ready replicas, healthy targets", (READY, HEALTHY)),
)
NAMES = {
    REQUESTS: "requests",
    ELB_5XX: "ALB 5xx",
    TARGET_5XX: "target 5xx",
    P99: "p99",
    READY: "ready",
    HEALTHY: "healthy",
}


def _panel(
    title: str, lines: dict[str, Series], start: datetime, end: datetime, fault: tuple[datetime, datetime] | None
) -> str:
    span = max((end - start).total_seconds(), 1.0)
    values = [v for series in lines.values() for _, v in series]
    top = max(values, default=1.0) or 1.0

    def x(at: datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (at - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f'<text x="{LEFT}" y="14" font-size="12">{html.escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" font-size="10" text-anchor="end">{top:g}</text>',
        f'<text x="{LEFT - 4}" y="{HEIGHT - BOTTOM}" font-size="10" text-anchor="end">0</text>',
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="10">{start:%H:%M}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" font-size="10" text-anchor="end">{end:%H:%M} UTC</text>',
    ]
    if fault is not None:
        left, right = x(fault[0]), max(x(fault[1]), x(fault[0]) + 2)
        parts.append(
            f'<rect class="fault" x="{left:.1f}" y="{TOP}" width="{right - left:.1f}" height="{HEIGHT - TOP - BOTTOM}" '
            'fill="#d62728" fill-opacity="0.12"><title>fault injected</title></rect>'
        )
    for n, (key, series) in enumerate(lines.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in series)
        if points:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}">'
                f"<title>{html.escape(key)}</title></polyline>"
            )
        # The legend: a row under the title, one entry per line.
        parts.append(f'<text x="{LEFT + 125 * n}" y="28" font-size="11" fill="{colour}">{html.escape(key)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(stack: str, results: Sequence[DrillResult]) -> str:
    body = [f"<h1>Drills of {html.escape(stack)}: {overall(results)}</h1>"]
    for r in results:
        body.append(f"<h2>{html.escape(r.drill.name)}: {html.escape(r.drill.title)} ({outcome(r)})</h2>")
        if r.skipped or r.started is None or r.ended is None:
            body.append(f"<p>{html.escape(r.skipped or 'not run')}</p>")
            continue
        fault = (r.fault_start, r.fault_end or r.fault_start) if r.fault_start else None
        body.append(f"<p>{html.escape(r.drill.fault)}; the shaded band is the fault.</p>")
        start = min([r.started, *(at for s in r.series.values() for at, _ in s[:1])])
        for title, keys in PANELS:
            lines = {NAMES[k]: r.series.get(k, []) for k in keys}
            if keys == (READY, HEALTHY):
                lines |= {k: v for k, v in r.series.items() if k.startswith(ZONE_PREFIX)}
            body.append(_panel(title, lines, start, r.ended, fault))
        rows = "".join(
            f"<tr><td>{'ok' if c.passed else 'FAIL'}</td><td>{html.escape(c.name)}</td>"
            f"<td>{html.escape(c.expected)}</td><td>{html.escape(c.measured)}</td></tr>"
            for c in r.checks
        )
        body.append(f"<table><tr><th></th><th>check</th><th>expected</th><th>measured</th></tr>{rows}</table>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Drills of {html.escape(stack)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}svg{display:block;margin:4px 0}"
        "td,th{padding:2px 8px;text-align:left}</style></head><body>" + "".join(body) + "</body></html>\n"
    )
