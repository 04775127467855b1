"""Charts drawn on the server as inline SVG: no script, no style attribute (CSP), colours from classes in
attesta.css, and a text alternative on every chart."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join

register = template.Library()

BAR_HEIGHT = 26
BAR_GAP = 8
LABEL_WIDTH = 170
BAR_WIDTH = 220
VALUE_WIDTH = 50


@register.simple_tag
def donut(share, label: str, css: str = "ok"):
    """A ring filled to `share` (0..1), the percentage in the middle; None draws an empty ring and a dash."""
    if share is None:
        pct_text, filled = "—", 0.0
    else:
        filled = max(0.0, min(1.0, float(share))) * 100
        pct_text = f"{number_format(round(filled), 0, use_l10n=True)}%"
    # r = 100 / (2π): the circumference is 100, so the dash length is the percentage.
    return format_html(
        '<svg class="chart donut" viewBox="0 0 42 42" width="120" height="120" role="img" aria-label="{label}: {pct}">'
        "<title>{label}: {pct}</title>"
        '<circle class="donut-hole" cx="21" cy="21" r="15.9155" fill="none" stroke-width="5"></circle>'
        '<circle class="donut-seg seg-{css}" cx="21" cy="21" r="15.9155" fill="none" stroke-width="5" '
        'stroke-dasharray="{filled} {rest}" stroke-dashoffset="25"></circle>'
        '<text x="21" y="23.5" text-anchor="middle" class="donut-text">{pct}</text>'
        "</svg>",
        label=label,
        pct=pct_text,
        css=css,
        filled=f"{filled:.2f}",
        rest=f"{100 - filled:.2f}",
    )


@register.simple_tag
def bar_chart(items, label: str):
    """Horizontal bars for [(label, value, css class), …], scaled to the largest value."""
    items = [(str(name), int(value or 0), css) for name, value, css in items]
    top = max([v for _, v, _ in items] + [1])
    height = len(items) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    summary = "; ".join(f"{name}: {value}" for name, value, _ in items)
    bars = format_html_join(
        "",
        '<g><text x="{tx}" y="{ty}" text-anchor="end" class="bar-label">{name}</text>'
        '<rect class="bar seg-{css}" x="{x}" y="{y}" width="{w}" height="{h}" rx="3"></rect>'
        '<text x="{vx}" y="{ty}" class="bar-value">{value}</text></g>',
        (
            {
                "tx": LABEL_WIDTH - 8,
                "ty": BAR_GAP + i * (BAR_HEIGHT + BAR_GAP) + BAR_HEIGHT * 0.7,
                "name": name,
                "css": css,
                "x": LABEL_WIDTH,
                "y": BAR_GAP + i * (BAR_HEIGHT + BAR_GAP),
                "w": f"{(value / top) * BAR_WIDTH:.1f}" if value else "0",
                "h": BAR_HEIGHT,
                "vx": LABEL_WIDTH + (value / top) * BAR_WIDTH + 6,
                "value": number_format(value, use_l10n=True),
            }
            for i, (name, value, css) in enumerate(items)
        ),
    )
    return format_html(
        '<svg class="chart bars" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}: {summary}">'
        "<title>{label}</title>{bars}</svg>",
        w=width,
        h=height,
        label=label,
        summary=summary,
        bars=bars,
    )
