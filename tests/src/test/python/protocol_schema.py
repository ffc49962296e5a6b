# Checks every message a Jupyter client receives from the kernel against the messaging protocol, version 5.3:
# the header, the parent header, and the content fields each message type requires, with their types.
# watch(kc) wraps the client's channels; report() gives (messages checked, problems found, types seen).
import datetime
import inspect

STATUS = {"ok", "error", "aborted"}


def _is(v, *types):
    return isinstance(v, types) and not (bool not in types and isinstance(v, bool))


def _mime_bundle(v):
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, (str, dict, list)) for k, x in v.items())


def _reply(c, errors, extra):
    if c.get("status") not in STATUS:
        errors.append("status %r is not one of %s" % (c.get("status"), sorted(STATUS)))
        return
    if c["status"] == "error":
        _fields(c, {"ename": str, "evalue": str, "traceback": list}, errors)
        if not all(isinstance(line, str) for line in c.get("traceback", [])):
            errors.append("traceback holds a non-string")
    elif c["status"] == "ok":
        _fields(c, extra, errors)


def _fields(c, spec, errors):
    for name, kind in spec.items():
        if name not in c:
            errors.append("content lacks %r" % name)
        elif not _is(c[name], *(kind if isinstance(kind, tuple) else (kind,))):
            errors.append("%r is %s, expected %s" % (name, type(c[name]).__name__, kind))


CONTENT = {
    # shell and control replies
    "execute_reply": lambda c, e: (_fields(c, {"execution_count": int}, e) if c.get("status") != "aborted" else None,
                                   _reply(c, e, {"user_expressions": dict})),
    "kernel_info_reply": lambda c, e: (_reply(c, e, {"protocol_version": str, "implementation": str,
                                                     "implementation_version": str, "language_info": dict, "banner": str}),
                                       _fields(c.get("language_info", {}), {"name": str, "version": str,
                                                                            "mimetype": str, "file_extension": str}, e),
                                       c.get("protocol_version") == "5.3" or e.append("protocol_version %r != 5.3"
                                                                                      % c.get("protocol_version"))),
    "complete_reply": lambda c, e: (_reply(c, e, {"matches": list, "cursor_start": int, "cursor_end": int, "metadata": dict}),
                                    all(isinstance(m, str) for m in c.get("matches", [])) or e.append("a match is not a string"),
                                    c.get("cursor_start", 0) <= c.get("cursor_end", 0) or e.append("cursor_start > cursor_end")),
    "inspect_reply": lambda c, e: _reply(c, e, {"found": bool, "data": dict, "metadata": dict}),
    "is_complete_reply": lambda c, e: (c.get("status") in ("complete", "incomplete", "invalid", "unknown")
                                       or e.append("is_complete status %r" % c.get("status")),
                                       c.get("status") != "incomplete" or _fields(c, {"indent": str}, e)),
    "history_reply": lambda c, e: (_reply(c, e, {"history": list}),
                                   all(isinstance(h, list) and len(h) == 3 for h in c.get("history", []))
                                   or e.append("a history entry is not [session, line, input]")),
    "comm_info_reply": lambda c, e: (_reply(c, e, {"comms": dict}),
                                     all(isinstance(v, dict) and isinstance(v.get("target_name"), str)
                                         for v in c.get("comms", {}).values()) or e.append("a comm lacks target_name")),
    "shutdown_reply": lambda c, e: _reply(c, e, {"restart": bool}),
    "interrupt_reply": lambda c, e: _reply(c, e, {}),
    # iopub
    "status": lambda c, e: c.get("execution_state") in ("busy", "idle", "starting")
                           or e.append("execution_state %r" % c.get("execution_state")),
    "execute_input": lambda c, e: _fields(c, {"code": str, "execution_count": int}, e),
    "stream": lambda c, e: (_fields(c, {"name": str, "text": str}, e),
                            c.get("name") in ("stdout", "stderr") or e.append("stream name %r" % c.get("name"))),
    "display_data": lambda c, e: (_fields(c, {"data": dict, "metadata": dict}, e),
                                  _mime_bundle(c.get("data")) or e.append("data is not a MIME bundle"),
                                  isinstance(c.get("transient", {}), dict) or e.append("transient is not a dict")),
    "update_display_data": lambda c, e: (_fields(c, {"data": dict, "metadata": dict, "transient": dict}, e),
                                         isinstance(c.get("transient", {}).get("display_id"), str)
                                         or e.append("update_display_data without transient.display_id")),
    "execute_result": lambda c, e: (_fields(c, {"execution_count": int, "data": dict, "metadata": dict}, e),
                                    _mime_bundle(c.get("data")) or e.append("data is not a MIME bundle")),
    "error": lambda c, e: (_fields(c, {"ename": str, "evalue": str, "traceback": list}, e)),
    "clear_output": lambda c, e: _fields(c, {"wait": bool}, e),
    "comm_open": lambda c, e: _fields(c, {"comm_id": str, "target_name": str, "data": dict}, e),
    "comm_msg": lambda c, e: _fields(c, {"comm_id": str, "data": dict}, e),
    "comm_close": lambda c, e: _fields(c, {"comm_id": str, "data": dict}, e),
    # stdin
    "input_request": lambda c, e: _fields(c, {"prompt": str, "password": bool}, e),
}

CHANNEL_TYPES = {
    "shell": {t for t in CONTENT if t.endswith("_reply")},
    "control": {"shutdown_reply", "interrupt_reply", "kernel_info_reply"},
    "iopub": {"status", "execute_input", "stream", "display_data", "update_display_data", "execute_result", "error",
              "clear_output", "comm_open", "comm_msg", "comm_close"},
    "stdin": {"input_request"},
}


def check(msg, channel):
    """Problems with one deserialized message from `channel`, as strings (empty when well-formed)."""
    errors = []
    for part in ("header", "parent_header", "metadata", "content"):
        if not isinstance(msg.get(part), dict):
            errors.append("%s is not a dict" % part)
    if errors:
        return errors
    h = msg["header"]
    for name in ("msg_id", "session", "username", "msg_type", "version"):
        if not isinstance(h.get(name), str):
            errors.append("header.%s is missing or not a string" % name)
    if not isinstance(h.get("date"), (str, datetime.datetime)):
        errors.append("header.date is missing")
    if h.get("version") != "5.3":
        errors.append("header.version %r != 5.3" % h.get("version"))
    t = h.get("msg_type")
    if msg.get("msg_type") not in (None, t):
        errors.append("msg_type %r differs from header.msg_type %r" % (msg.get("msg_type"), t))
    if t not in CHANNEL_TYPES[channel]:
        errors.append("%s is not a %s-channel message" % (t, channel))
    if channel != "iopub" or t != "status" or msg["content"].get("execution_state") != "starting":
        if not isinstance(msg["parent_header"].get("msg_id"), str):
            errors.append("parent_header names no request")
    if t in CONTENT:
        CONTENT[t](msg["content"], errors)
    where = "%s on %s (%s, in reply to %s)" % (t, channel, msg["content"].get("execution_state", "-"),
                                               msg["parent_header"].get("msg_type"))
    return ["%s: %s" % (where, x) for x in errors]


_seen = {"count": 0, "errors": [], "types": set()}


def _wrap(channel_obj, name):
    original = channel_obj.get_msg

    def record(msg):
        _seen["count"] += 1
        _seen["types"].add(msg["header"].get("msg_type"))
        _seen["errors"].extend(check(msg, name))
        return msg

    if inspect.iscoroutinefunction(original):
        async def get_msg(*args, **kwargs):
            return record(await original(*args, **kwargs))
    else:
        def get_msg(*args, **kwargs):
            return record(original(*args, **kwargs))
    channel_obj.get_msg = get_msg


def watch(kc):
    """Checks every message that kc's shell, control, iopub and stdin channels hand to the client from now on."""
    for name in ("shell", "control", "iopub", "stdin"):
        _wrap(getattr(kc, name + "_channel"), name)


def report():
    return _seen["count"], _seen["errors"][:20], sorted(t for t in _seen["types"] if t)
