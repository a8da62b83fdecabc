"""The pages of ``netopsbench trace view``: the run's case list and one page per case with every
step of its ATIF trajectory (messages, tool calls and their observations, LLM calls with token
counts), the verdict against the ground truth and the case's pictures.

Pure functions from records to HTML; the server (``sdk``) decides which trajectory file a case
has. Every page is self-contained: inline CSS, inline SVG, one small inline script (the case
filter on the list), nothing fetched from elsewhere, not even a favicon."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ._baselines import baseline_line
from ._heatmap import case_heatmap
from ._page import _CSS, answer_text, expected_text
from ._pictures import case_picture, chart_svg

if TYPE_CHECKING:
    from pathlib import Path

    from ..records import BenchmarkReport, CaseRecord

__all__ = ["case_href", "render_viewer_case", "render_viewer_index"]

#: texts longer than this are folded (a whole ``show running-config`` does not fit a screen)
_FOLD_CHARS = 600

_VIEWER_CSS = (
    _CSS
    + """
nav a { margin-right: 1em; }
.step { border: 1px solid #e2e8f0; border-left: 4px solid #a0aec0; margin: 0.6em 0; padding: 0.4em 0.8em; }
.step.agent { border-left-color: #2b6cb0; } .step.user { border-left-color: #718096; }
.step.system { border-left-color: #4a5568; }
.step h3 { font-size: 0.95em; margin: 0.2em 0; } .step h3 .meta { color: #718096; font-weight: normal; }
.call { font-family: ui-monospace, monospace; font-size: 0.9em; background: #ebf8ff; padding: 0.2em 0.4em; }
.obs.error pre { border-color: #c53030; background: #fff5f5; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0.3em 0; }
.verdict td.ok { color: #276749; } .verdict td.bad { color: #c53030; }
.pictures svg { margin: 0.5em 1em 0.5em 0; vertical-align: top; }
input#filter { margin: 0.5em 0; padding: 0.2em; width: 20em; }
"""
)

_ICON = '<link rel="icon" href="data:,">'  # no favicon request, so no 404 in the console


def case_href(trial_name: str) -> str:
    return f"/case/{quote(trial_name)}"


def _page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{_ICON}<style>{_VIEWER_CSS}</style></head>"
        f"<body>{body}{tail}</body></html>\n"
    )


def _tokens(case: CaseRecord) -> str:
    return str(case.input_tokens + case.output_tokens)


# Filters the case table by any text in a row; the list is usable without it. Marks the body once
# it ran, so a headless browser test can tell the script ran without an error.
_FILTER_JS = """
(function () {
  var box = document.getElementById('filter');
  var rows = Array.prototype.slice.call(document.querySelectorAll('table.cases tbody tr'));
  var shown = document.getElementById('shown');
  function apply() {
    var q = box.value.toLowerCase(), n = 0;
    rows.forEach(function (r) {
      var hit = r.textContent.toLowerCase().indexOf(q) >= 0;
      r.style.display = hit ? '' : 'none';
      if (hit) { n += 1; }
    });
    shown.textContent = n + ' of ' + rows.length + ' cases shown';
  }
  box.addEventListener('input', apply);
  apply();
  document.body.setAttribute('data-viewer-ready', '1');
})();
"""


def render_viewer_index(report: BenchmarkReport, trials: dict[str, str], job_dir: Path) -> str:
    """The run's case list; ``trials`` maps case id to its trial directory name in ``job_dir``."""
    run, s = report.run, report.summary
    by_type = report.breakdowns.get("fault_type", {})
    chart = chart_svg([(n, v.pass_rate or 0.0, v.mean_score or 0.0, v.cases) for n, v in by_type.items()])
    mean = f"{s.mean_score:.3f}" if s.mean_score is not None else "-"
    header = " &middot; ".join(
        [
            f"agent {escape(run.agent or '-')}",
            f"campaign {escape(run.campaign_version or '-')}",
            f"{s.scored_cases} of {s.cases} cases scored",
            f"mean score {mean}",
            *(
                [f"vs baselines {escape(baseline_line(report.baselines[-1], run.agent or 'agent'))}"]
                if report.baselines
                else []
            ),
            f"Harbor job <code>{escape(str(job_dir))}</code>",
        ]
    )
    heads = ["scenario", "outcome", "score", "expected", "answer", "tool calls", "LLM calls", "tokens"]
    rows = []
    for case in report.cases:
        scored = case.outcome not in ("infra_error", "skipped")
        name = escape(case.scenario_id) + (f" [trial {case.trial}]" if case.trial else "")
        link = f'<a class="case" href="{escape(case_href(trials[case.case_id]))}">{name}</a>'
        rows.append(
            "<tr>"
            f"<td>{link}</td>"
            f'<td><span class="{case.outcome}">{escape(case.outcome)}</span></td>'
            f'<td class="num">{f"{case.score:.2f}" if scored else ""}</td>'
            f"<td>{escape(expected_text(case))}</td><td>{escape(answer_text(case))}</td>"
            f'<td class="num">{case.tool_calls}</td><td class="num">{case.llm_calls}</td>'
            f'<td class="num">{_tokens(case)}</td></tr>'
        )
    body = (
        f"<h1>Run {escape(run.run_id)}</h1><p>{header}</p>"
        f"<h2>Pass rate and mean score per fault type</h2>{chart}"
        f"<h2>Cases ({len(report.cases)})</h2>"
        '<input id="filter" type="search" placeholder="filter cases" aria-label="filter cases"> '
        '<span id="shown"></span>'
        '<table class="cases"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in heads)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _page(f"netopsbench trace view {run.run_id}", body, _FILTER_JS)


def _mark(value: bool | None) -> str:
    if value is None:
        return '<td class="na">n/a</td>'
    return '<td class="ok">right</td>' if value else '<td class="bad">wrong</td>'


def _verdict_table(case: CaseRecord) -> str:
    exp, got = case.expected, case.diagnosis
    rows = [
        ("verdict", case.expected_verdict, got.verdict if got else "", case.verdict_correct),
        ("fault type", exp.fault_type if exp else "", got.fault_type if got else "", case.fault_type_correct),
        ("device", exp.device if exp else "", got.device if got else "", case.device_correct),
        ("interface", exp.interface if exp else "", got.interface if got else "", case.interface_correct),
    ]
    if case.diagnosis is None:  # no answer: nothing was right or wrong, the outcome says why
        body = "".join(
            f"<tr><th>{k}</th><td>{escape(e or '')}</td><td></td><td></td></tr>" for k, e, _, _ in rows
        )
    else:
        body = "".join(
            f"<tr><th>{k}</th><td>{escape(e or '')}</td><td>{escape(g or '')}</td>{_mark(ok)}</tr>"
            for k, e, g, ok in rows
        )
    if exp is not None and exp.equivalent:
        also = ", ".join(f"{e.device}:{e.interface}" if e.interface else e.device for e in exp.equivalent)
        body += f'<tr><th>also right</th><td colspan="3">{escape(also)}</td></tr>'
    return (
        '<table class="cases verdict"><thead><tr><th></th><th>ground truth</th><th>agent</th><th></th>'
        f"</tr></thead><tbody>{body}</tbody></table>"
    )


def _text(value: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    pre = f"<pre{cls}>{escape(value)}</pre>"
    if len(value) <= _FOLD_CHARS:
        return pre
    return f"<details><summary>{escape(value[:120])}... ({len(value)} characters)</summary>{pre}</details>"


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _step(step: dict[str, Any]) -> str:
    source = str(step.get("source", ""))
    extra = step.get("extra") or {}
    meta = [source]
    if step.get("timestamp"):
        meta.append(str(step["timestamp"]))
    if step.get("model_name"):
        meta.append(f"model {step['model_name']}")
    parts = [f'<div class="step {escape(source)}" id="step-{step.get("step_id")}">']
    parts.append(f'<h3>step {step.get("step_id")} <span class="meta">{escape(" | ".join(meta))}</span></h3>')
    metrics = step.get("metrics")
    if metrics:
        m_extra = metrics.get("extra") or {}
        cost = f", cost ${metrics['cost_usd']:.4f}" if metrics.get("cost_usd") is not None else ""
        secs = f", {m_extra['seconds']:.2f} s" if "seconds" in m_extra else ""
        parts.append(
            f'<p class="llm">LLM call: {metrics.get("prompt_tokens") or 0} prompt tokens, '
            f"{metrics.get('completion_tokens') or 0} completion tokens{cost}{secs}</p>"
        )
    if extra.get("request_messages") is not None:
        parts.append(
            f"<details><summary>request</summary><pre>{escape(_json(extra['request_messages']))}</pre></details>"
        )
    if step.get("reasoning_content"):
        parts.append("<p>reasoning:</p>" + _text(str(step["reasoning_content"])))
    if step.get("message"):
        parts.append(_text(str(step["message"])))
    results = {r.get("source_call_id"): r for r in (step.get("observation") or {}).get("results", [])}
    for call in step.get("tool_calls") or []:
        args = ", ".join(
            f"{k}={json.dumps(v, default=str)}" for k, v in (call.get("arguments") or {}).items()
        )
        parts.append(
            f'<p class="call">tool call: {escape(call.get("function_name", ""))}({escape(args)})</p>'
        )
        result = results.pop(call.get("tool_call_id"), None)
        if result is not None:
            parts.append(_observation(result))
    parts += [_observation(r) for r in results.values()]
    parts.append("</div>")
    return "".join(parts)


def _observation(result: dict[str, Any]) -> str:
    extra = result.get("extra") or {}
    status = str(extra.get("status", "success"))
    secs = f", {extra['seconds']:.2f} s" if isinstance(extra.get("seconds"), int | float) else ""
    css = "obs error" if status == "error" else "obs"
    return (
        f'<div class="{css}"><p>observation ({escape(status)}{secs}):</p>'
        f"{_text(_pretty(str(result.get('content') or '')))}</div>"
    )


def _pretty(content: str) -> str:
    """Tool results are mostly JSON on one line: indented, they can be read."""
    if not content.startswith(("{", "[")):
        return content
    try:
        return _json(json.loads(content))
    except ValueError:
        return content


def _llm_table(steps: list[dict[str, Any]]) -> str:
    rows = []
    for step in steps:
        m = step.get("metrics")
        if not m:
            continue
        cost = f"{m['cost_usd']:.4f}" if m.get("cost_usd") is not None else ""
        rows.append(
            f'<tr><td><a href="#step-{step.get("step_id")}">{step.get("step_id")}</a></td>'
            f"<td>{escape(str(step.get('model_name') or ''))}</td>"
            f'<td class="num">{m.get("prompt_tokens") or 0}</td>'
            f'<td class="num">{m.get("completion_tokens") or 0}</td><td class="num">{cost}</td></tr>'
        )
    if not rows:
        return "<p>no LLM call (a scripted agent)</p>"
    return (
        '<table class="cases llm-calls"><thead><tr><th>step</th><th>model</th><th>prompt tokens</th>'
        f"<th>completion tokens</th><th>cost USD</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render_viewer_case(
    case: CaseRecord,
    trajectory: dict[str, Any] | None,
    run_dir: Path | None,
    *,
    trajectory_href: str = "",
) -> str:
    """One case: verdict against ground truth, counts, pictures, LLM calls, then every step."""
    scored = case.outcome not in ("infra_error", "skipped")
    score = f"score {case.score:.2f}, " if scored else ""
    cost = f", cost ${case.cost_usd:.4f}" if case.cost_usd is not None else ""
    counts = (
        f"{score}{'passed' if case.passed else 'not passed'}; agent {case.agent_seconds:.1f} s, "
        f"{case.tool_calls} tool calls ({case.tool_errors} failed), {case.llm_calls} LLM calls, "
        f"{case.input_tokens} input + {case.output_tokens} output tokens{cost}"
    )
    pictures = "".join(p for p in (case_picture(case), case_heatmap(case, run_dir)) if p)
    steps: list[dict[str, Any]] = list((trajectory or {}).get("steps") or [])
    raw = f' &middot; <a href="{escape(trajectory_href)}">trajectory.json</a>' if trajectory_href else ""
    body = [
        f'<nav><a href="/">all cases</a>{raw}</nav>',
        f"<h1>{escape(case.scenario_id)}"
        + (f" [trial {case.trial}]" if case.trial else "")
        + f' <span class="{case.outcome}">{escape(case.outcome)}</span></h1>',
        f"<p>case <code>{escape(case.case_id)}</code>, {escape(case.scale)}, {escape(case.difficulty)}; "
        f"{escape(counts)}</p>",
        "<h2>Verdict against the ground truth</h2>",
        _verdict_table(case),
    ]
    if case.message:
        body.append(f'<p class="message">{escape(case.message)}</p>')
    if pictures:
        body.append(f'<h2>Pictures</h2><div class="pictures">{pictures}</div>')
    body.append(f"<h2>LLM calls</h2>{_llm_table(steps)}")
    if trajectory is None:
        body.append(
            "<h2>Steps</h2><p>no trajectory was recorded for this case (tracing off, or the "
            "agent never started)</p>"
        )
    else:
        body.append(
            f'<h2>Steps ({len(steps)})</h2><div class="steps">{"".join(_step(s) for s in steps)}</div>'
        )
    if case.agent_output:
        body.append("<h2>Agent output</h2>" + _text(case.agent_output))
    return _page(f"{case.scenario_id} - netopsbench trace view", "".join(body))
