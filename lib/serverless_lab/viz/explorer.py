"""``aws.explorer()``: what exists in the mocked world, by service, in a widget that refreshes itself.

A list of the services (with how many resources each holds); pick a resource to see its
configuration, its wiring (what triggers it, what it sends to), what ran (the course's trace;
a state machine's executions) and its recent CloudWatch logs. **Refresh** reads the world again
without re-running any cell; **Auto-refresh** does it every few seconds until it is switched off,
the widget is closed or the session stops. Everything is read through boto3
(:mod:`serverless_lab.viz.world`).
"""

from __future__ import annotations

import json
import threading
from html import escape
from typing import Any

from .architecture import SHORT, from_world
from .world import READ_ERRORS, SERVICES, Resource, World, executions, invocations, recent_logs, survey

AUTO_REFRESH_S = 3.0
_STYLE = ("<style>.sl-explorer pre{max-height:22em;overflow:auto;font-size:11px;background:#f7f7f9;padding:6px;"
          "margin:2px 0 8px}.sl-explorer table{border-collapse:collapse;font-size:12px}"
          ".sl-explorer td,.sl-explorer th{padding:2px 8px;border-bottom:1px solid #e3e3e3;text-align:left}"
          ".sl-explorer h4{margin:8px 0 2px}</style>")


def _widgets():
    from ..errors import require

    return require("ipywidgets", "The explorer", "ipywidgets")


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def detail_html(session: Any, world: World, res: Resource) -> str:
    """The detail pane of one resource: configuration, wiring, what ran, logs."""
    into, out = world.links_of(res.node)

    def name(node: str) -> str:
        service, n = node.split(":", 1)
        return f"{SHORT.get(service, service)} <b>{escape(n)}</b>"

    wiring = [f"<li>{name(lk.source)} → this ({escape(lk.how)})</li>" for lk in into]
    wiring += [f"<li>this → {name(lk.target)} ({escape(lk.how)}{', named in its environment' if lk.named else ''})</li>"
               for lk in out]
    parts = [f"<h3>{escape(SHORT.get(res.service, res.service))} {escape(res.name)}</h3>",
             f"<div>{escape(res.summary)}</div>",
             "<h4>Wiring</h4>" + (f"<ul>{''.join(wiring)}</ul>" if wiring else "<div><i>nothing triggers it and it "
                                                                              "targets nothing</i></div>")]
    ran = invocations(world, res)
    if res.service == "lambda" or ran:
        parts.append("<h4>Invocations (course trace, latest last)</h4>"
                     + (_table(ran) or "<div><i>none yet</i></div>"))
    if res.service == "stepfunctions":
        parts.append("<h4>Executions (newest first)</h4>" + (_table(executions(session, res)) or "<div><i>none yet</i></div>"))
    if res.service in ("lambda", "stepfunctions"):
        lines = recent_logs(session, res)
        parts.append("<h4>Recent logs</h4>" + (f"<pre>{escape(chr(10).join(lines))}</pre>" if lines
                                                else "<div><i>no log lines yet</i></div>"))
    parts.append("<h4>Configuration</h4><pre>" + escape(json.dumps(res.config, indent=1, default=str)) + "</pre>")
    return f'<div class="sl-explorer">{_STYLE}{"".join(parts)}</div>'


class Explorer:
    """The widget behind ``aws.explorer()``; ``world`` holds what the last refresh read."""

    def __init__(self, session: Any, auto_refresh: bool = False, interval_s: float = AUTO_REFRESH_S) -> None:
        w = _widgets()
        self.session = session
        self.interval_s = interval_s
        self.world = World()
        self._selected: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._first_draw = True
        self._drawing = False
        self.refresh_button = w.Button(description="Refresh", icon="refresh", tooltip="Read the world again")
        self.auto = w.Checkbox(value=False, description=f"Auto-refresh every {interval_s:g} s", indent=False)
        self.status = w.HTML()
        self.services = w.Select(options=[(title, key) for key, title in SERVICES], rows=len(SERVICES),
                                 layout=w.Layout(width="250px", flex="0 0 auto"))
        self.body = w.VBox(layout=w.Layout(flex="1 1 auto", width="auto"))
        self.diagram = w.HTML()
        self.widget = w.VBox([w.HBox([self.refresh_button, self.auto, self.status]),
                              w.HBox([self.services, self.body]), w.HTML("<h4>Wiring</h4>"), self.diagram])
        self.services.observe(lambda _c: self._show_service(), names="value")
        self.widget.add_class("serverless-lab-explorer")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.auto.observe(self._toggle_auto, names="value")
        self.refresh()
        if auto_refresh:
            self.auto.value = True

    # -- reading ---------------------------------------------------------------------------------
    def refresh(self, endpoint_url: str | None = None) -> World:
        """Read the world again and redraw (what the Refresh button does)."""
        with self._lock:
            world = survey(self.session, endpoint_url)
            self.world = world
            self._draw(world)
        return world

    @property
    def titles(self) -> list[str]:
        """The service list as shown: "DynamoDB tables (2)"."""
        return [label for label, _key in self.services.options]

    def _draw(self, world: World) -> None:
        key = self.services.value
        options = [(f"{title} ({len(world.resources.get(k, []))})" + (" ⚠" if k in world.notes else ""), k)
                   for k, title in SERVICES]
        if key is None or self.services.options == () or self._first_draw:
            # open on the first service that holds something
            key = next((k for k, _ in SERVICES if world.resources.get(k)), SERVICES[0][0])
            self._first_draw = False
        self._drawing = True
        try:
            self.services.options = options
            self.services.value = key
        finally:
            self._drawing = False
        self._show_service()
        self.diagram.value = from_world(world).svg()
        self.status.value = (f"<span style='color:#555'>{world.count()} resources, {len(world.links)} links · read at "
                             f"{world.read_at:%H:%M:%S} UTC</span>")

    def _show_service(self) -> None:
        if self._drawing:
            return
        w = _widgets()
        world, key = self.world, self.services.value
        title = dict(SERVICES).get(key, key)
        items = world.resources.get(key, [])
        note = world.notes.get(key)
        if note:
            self.body.children = [w.HTML(f"<div class='sl-explorer'><b>Not shown:</b> {escape(note)}</div>")]
            return
        if not items:
            self.body.children = [w.HTML(f"<div class='sl-explorer'><i>No {escape(title.lower())} in this world "
                                         "yet.</i></div>")]
            return
        options = [(f"{r.name} — {r.summary}" if r.summary else r.name, r.node) for r in items]
        chosen = self._selected.get(key)
        if chosen not in [v for _, v in options]:
            chosen = options[0][1]
        pick = w.Select(options=options, value=chosen, rows=min(6, max(2, len(options))), layout=w.Layout(width="98%"))
        res = world.find(chosen)
        pane = w.HTML(detail_html(self.session, world, res) if res is not None else "")

        def show(change: dict) -> None:
            self._selected[key] = change["new"]
            found = self.world.find(change["new"])
            if found is not None:
                pane.value = detail_html(self.session, self.world, found)

        pick.observe(show, names="value")
        self.body.children = [pick, pane]

    # -- auto-refresh ----------------------------------------------------------------------------
    def _toggle_auto(self, change: dict) -> None:
        if change["new"]:
            self.start_auto_refresh()
        else:
            self.stop_auto_refresh()

    def start_auto_refresh(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="serverless-lab-explorer", daemon=True)
        self._thread.start()

    def stop_auto_refresh(self) -> None:
        self._stop.set()
        if self.auto.value:
            self.auto.value = False

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            if not getattr(self.session, "started", False):   # the session stopped: so does the timer
                self._stop.set()
                self.auto.value = False
                self.status.value = "<span style='color:#555'>The mocked world stopped: auto-refresh is off.</span>"
                break
            try:
                self.refresh(self._endpoint())
            except READ_ERRORS as exc:   # the session stopped while the timer read it
                self._stop.set()
                self.auto.value = False
                self.status.value = f"<span style='color:#555'>Auto-refresh stopped: {escape(str(exc))}</span>"

    def _endpoint(self) -> str | None:
        """The session's HTTP endpoint for the timer's reads; None on the real-AWS backend."""
        if getattr(self.session, "backend", "moto") == "aws":
            return None
        return str(self.session.endpoint_url)

    def close(self) -> None:
        self._stop.set()
        self.widget.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<Explorer {self.world.count()} resources, {len(self.world.links)} links>"


def explorer(session: Any = None, auto_refresh: bool = False, interval_s: float = AUTO_REFRESH_S) -> Explorer:
    """Show what exists in the running world (``aws.explorer()`` in a lab)."""
    if session is None:
        from ..cloud import current_session

        session = current_session()
        if session is None:
            from ..errors import LabError

            raise LabError("No mocked world is running.", "Start one first: aws = start_lab().")
    return Explorer(session, auto_refresh=auto_refresh, interval_s=interval_s)


__all__ = ["Explorer", "explorer", "detail_html"]
