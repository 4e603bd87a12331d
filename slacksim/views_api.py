"""Views: modals (``views.open``, ``views.push``, ``views.update``) and the Home tab
(``views.publish``), registered with the other Web API methods of :mod:`slacksim.api`.

Error names follow https://api.slack.com/methods (the ``views.*`` pages).
"""

from __future__ import annotations

from slacksim.api import Params, Result, method, required
from slacksim.errors import SlackError
from slacksim.state import Workspace
from slacksim.validation import check_home, check_modal


@method("views.open")
def views_open(ws: Workspace, params: Params) -> Result:
    """Open a modal for the user behind a fresh trigger_id."""
    spec = check_modal(params.get("view"))
    user = ws.exchange_trigger(required(params, "trigger_id", "invalid_trigger_id"))
    return {"ok": True, "view": ws.views.open(user, spec).to_api()}


@method("views.push")
def views_push(ws: Workspace, params: Params) -> Result:
    """Push a modal onto the stack of the user behind a fresh trigger_id."""
    spec = check_modal(params.get("view"))
    user = ws.exchange_trigger(required(params, "trigger_id", "invalid_trigger_id"))
    return {"ok": True, "view": ws.views.push(user, spec).to_api()}


@method("views.update")
def views_update(ws: Workspace, params: Params) -> Result:
    """Replace an open view's content, guarded by its ``hash`` when given."""
    view_id = required(params, "view_id", "invalid_arguments")
    spec = check_modal(params.get("view"))
    view = ws.views.update(view_id, spec, str(params.get("hash") or "") or None)
    return {"ok": True, "view": view.to_api()}


@method("views.publish")
def views_publish(ws: Workspace, params: Params) -> Result:
    """Set a user's Home tab, which the manifest must enable."""
    if not ws.manifest.home_tab_enabled:
        # Our choice of name: the reference does not say what Slack answers here.
        raise SlackError("not_enabled", "[ERROR] the app manifest does not enable the Home tab")
    user = required(params, "user_id", "invalid_arguments")
    spec = check_home(params.get("view"))
    view = ws.publish_home(user, spec, str(params.get("hash") or "") or None)
    return {"ok": True, "view": view.to_api()}
