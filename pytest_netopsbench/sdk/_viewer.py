"""``TraceViewer``: a run exported as a Harbor job, served on 127.0.0.1 as browsable pages.

The pages come from ``report._viewer``; trajectories are read from the exported job (the same
files Harbor's own viewer would read), pictures from the run directory. Stdlib ``http.server``
only: nothing to install, nothing fetched, loopback only."""

from __future__ import annotations

import json
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import NetopsbenchError
from ..records import BenchmarkReport, CaseRecord
from ..report import case_href, render_viewer_case, render_viewer_index
from ._artifacts import ArtifactManager
from ._harbor import ExportSummary, _trial_name

__all__ = ["DEFAULT_JOBS_DIR", "TraceViewer", "open_trace_viewer"]

DEFAULT_JOBS_DIR = Path(".netopsbench") / "harbor-jobs"


class TraceViewer:
    """Serves one exported run until :meth:`close`; ``port=0`` picks a free port."""

    def __init__(
        self,
        report: BenchmarkReport,
        run_dir: Path,
        export: ExportSummary,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.report, self.run_dir, self.export = report, run_dir, export
        self.job_dir = export.job_dir
        self.trials = {c.case_id: _trial_name(c) for c in report.cases}
        self._by_trial = {name: c for c in report.cases for name in [self.trials[c.case_id]]}
        viewer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                viewer._get(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # a request log on the terminal would bury the printed URL

        try:
            self._server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise NetopsbenchError(
                f"cannot serve the trace viewer on {host}:{port} ({exc.strerror}); "
                "pick another --port, or omit it for a free one"
            ) from exc
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def case_url(self, case: CaseRecord) -> str:
        return self.url.rstrip("/") + case_href(self.trials[case.case_id])

    def start(self) -> TraceViewer:
        """Serve in a background thread (tests, ``--timeout``)."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="trace-viewer", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> TraceViewer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pages ----------------------------------------------------------------------------------
    def _trajectory(self, trial: str) -> dict[str, Any] | None:
        path = self.job_dir / trial / "agent" / "trajectory.json"
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None

    def _get(self, req: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(req.path).path)
        if path in ("/", "/index.html"):
            page = render_viewer_index(self.report, self.trials, self.job_dir)
            return _send(req, HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
        if path.startswith("/case/"):
            trial = path.removeprefix("/case/")
            case = self._by_trial.get(trial)
            if case is not None:
                traj = self._trajectory(trial)
                href = f"/job/{trial}/agent/trajectory.json" if traj is not None else ""
                page = render_viewer_case(case, traj, self.run_dir, trajectory_href=href)
                return _send(req, HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
        if path.startswith("/job/"):
            target = (self.job_dir / path.removeprefix("/job/")).resolve()
            # only files of the exported job, whatever ``..`` the request carries
            if target.is_file() and target.is_relative_to(self.job_dir.resolve()):
                ctype = mimetypes.guess_type(target.name)[0] or "text/plain"
                return _send(req, HTTPStatus.OK, target.read_bytes(), f"{ctype}; charset=utf-8")
        body = (
            b'<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>not found</body></html>'
        )
        _send(req, HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8")


def _send(req: BaseHTTPRequestHandler, status: HTTPStatus, body: bytes, ctype: str) -> None:
    req.send_response(status)
    req.send_header("Content-Type", ctype)
    req.send_header("Content-Length", str(len(body)))
    req.send_header("Cache-Control", "no-store")
    req.end_headers()
    req.wfile.write(body)


def open_trace_viewer(
    runs_dir: Path,
    run: str = "latest",
    *,
    jobs_dir: Path = DEFAULT_JOBS_DIR,
    host: str = "127.0.0.1",
    port: int = 0,
) -> TraceViewer:
    """Export ``run`` as a Harbor job under ``jobs_dir`` and bind its viewer (not yet serving)."""
    artifacts = ArtifactManager(runs_dir)
    run_dir = artifacts.run_dir(run)
    report = artifacts.run_report(run)
    from ._harbor import export_harbor_job

    export = export_harbor_job(report, run_dir, jobs_dir)
    return TraceViewer(report, run_dir, export, host=host, port=port)
