# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Transfer errors stored as their kind and parts, said in the reader's language.

The scheduled action runs as OdooBot, in English: a message stored as text
would stay English for everyone. A message built with `_lt` keeps its source
text and its arguments; they are stored as JSON and translated when read.
"""

from odoo.tools.translate import LazyGettext, code_translations

MODULE = "tal_invoice_transfer"


def _dump(value):
    if isinstance(value, LazyGettext):
        return {"source": value._source, "args": _dump(value._args)}
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_dump(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def error_payload(message, kind):
    """What is stored of an error: its kind, and its message's source text and
    arguments when it was built with `_lt` (else the text itself)."""
    if isinstance(message, LazyGettext):
        return {
            "kind": kind,
            "source": message._source,
            "args": _dump(message._args),
        }
    return {"kind": kind, "text": str(message)}


def _translated(source, lang):
    if lang == "en_US":
        return source
    return code_translations.get_python_translations(MODULE, lang).get(source, source)


def _load(value, lang):
    if isinstance(value, dict) and set(value) == {"source", "args"}:
        return _format(value["source"], value["args"], lang)
    if isinstance(value, dict):
        return {key: _load(item, lang) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_load(item, lang) for item in value)
    if isinstance(value, str):
        # A label passed already said in English (a folder's kind, a hint):
        # said again in the reader's language when it is one of ours.
        return _translated(value, lang)
    return value


def _format(source, args, lang):
    args = _load(args, lang)
    translation = _translated(source, lang)
    if not args:
        return translation
    try:
        return translation % args
    except (TypeError, ValueError, KeyError):
        return source % args


def render_error(payload, lang):
    """The stored error in `lang`, or None when it was stored as text only."""
    if not isinstance(payload, dict) or "source" not in payload:
        return payload.get("text") if isinstance(payload, dict) else None
    return _format(payload["source"], payload.get("args"), lang or "en_US")
