"""What a page shows, read the way a person reads it, and the rules it must keep.

Used by the AppTest walk (tests/app/test_pages_text.py) and the browser walk
(tests/app/test_browser.py). Two sources of text:

- :func:`apptest_texts` walks a page run by ``AppTest``: every title, heading,
  paragraph, alert, metric (label, value, help), widget (label, options,
  placeholder, help), tab, table and chart. Tables are drawn on a canvas in
  the browser, so the grid's text is rebuilt here from what the page hands to
  ``st.dataframe`` — the frame plus its ``column_config``, ``column_order``
  and ``placeholder`` — rendered the way the grid renders it (a missing cell
  without placeholder shows ``None``, a bool a checkbox whose text is
  ``true``, a datetime ``YYYY-MM-DD HH:mm:ss``). Charts are checked on their
  Vega-Lite specs and data: every visible axis, legend and tooltip needs a
  title in the page's language, time fields need a format without month
  names, and the categories drawn as labels are read like any other text.
- The browser walk reads the page's ``innerText``, the grids' accessibility
  tables (glide-data-grid keeps one in the DOM for the visible cells) and the
  charts' SVG text.

:func:`problems` applies the rules to one text in one language.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.records.regions import COUNTIES
from features.schemes import modelled

#: names a Chinese page may show in Latin letters (abbreviations of the trade, products,
#: file formats, the codes USCC/ID themselves)
ALLOWED = frozenset(
    {
        "PD",
        "AUC",
        "ROC",
        "KS",
        "SHAP",
        "PSI",
        "MLflow",
        "IV",
        "WOE",
        "CSV",
        "Excel",
        "HTML",
        "JSON",
        "Parquet",
        "UTF",
        "USCC",
        "ID",
        "Gini",
        "Brier",
        "HHI",
        "LightGBM",
        "xinping",
        # grade keys of the published scales (三等九级, A–D classes) and tax credit level M
        "AAA",
        "AA",
        "A",
        "BBB",
        "BB",
        "B",
        "CCC",
        "CC",
        "C",
        "D",
        "M",
        # the demo accounts' user names (typed to sign in)
        "supervisor",
        "bank",
        "rural",
        "modeller",
        "admin",
    }
)
#: registered model names are names (MLflow), e.g. "xinping-enterprise"
MODEL_NAME = re.compile(r"xinping-(" + "|".join(map(re.escape, modelled())) + ")")
#: a command the user types (``xinping score --subject sme``) is code, not prose
COMMAND = re.compile(r"xinping(?: [a-z][a-z-]*)+(?: --[a-z-]+(?: [a-z|]+)?)*")

NOT_A_VALUE = re.compile(r"(?<![A-Za-z])(None|NaN|nan|NaT|null|undefined)(?![A-Za-z])|<NA>")
BOOLEAN = frozenset({"true", "false", "True", "False"})  # a whole cell or value
MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(:00)?")
SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
LONG_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{4,}(?![\d])")
SNAKE = re.compile(r"(?<![A-Za-z0-9])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9])")
#: a run of Latin letters and digits; one with digits is an identifier (USCC, record ID)
#: unless it is a number with a unit glued to it (``0kWh``)
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
UNIT = re.compile(r"\d{1,12}(?:[.,]\d+)*([A-Za-z]{2,})")
#: an MLflow run id, whole (32) or shortened (8), standing alone: an identifier, not a number
#: with a unit (inside a batch id such as ``INS-20261031-3b205c40`` the whole token is the id)
RUN_ID = re.compile(
    r"(?<![A-Za-z0-9\-])(?=[0-9a-f]*\d)[0-9a-f]{8}(?:[0-9a-f]{24})?(?![A-Za-z0-9\-])"
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
#: one quoted character is a value the data holds (a USCC's check character: 校验码为 'X'，
#: 应为 '4'), not a word of ours
QUOTED_CJK = re.compile(r"'[^'\n]*[\u3400-\u9fff][^'\n]*'|“[^”\n]*”")
QUOTED_CHAR = re.compile(r"(?<![A-Za-z0-9])['‘“]([A-Za-z0-9])['’”](?![A-Za-z0-9])")
COUNTY_CODES = frozenset(c.code for c in COUNTIES)
DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")

#: table headers whose cells are codes by design (the code column beside the name)
CODE_HEADERS = re.compile(r"代码|标识|编号|Code|ID|code")
#: table headers whose cells are what a person typed or a file was called (not our words)
FREE_HEADERS = frozenset(
    {
        "文件",
        "File",
        "强制晋升理由",
        "Forced because",
        "异议理由",
        "Reason",
        # a measure's 设定依据 is a document's title: a Chinese name, on English pages too
        "Legal basis (document title)",
        # 信用公示: a licence's name as the issuing department wrote it (a penalty's sector
        # in the same column is a label of the vocabulary)
        "Licence (as issued) or sector",
        # 隔离区: a quarantined row as the department's file held it (its own column names)
        "原始内容",
        "Row as read",
    }
)
#: where reason sentences appear (they come from the reasons stream, see the tests)
REASON_HEADERS = frozenset(
    {
        "主要理由",
        "Top reasons",
        "变更前主要风险因素",
        "变更后主要风险因素",
        "Top risk factors before",
        "Top risk factors after",
    }
)


@dataclass(frozen=True)
class Text:
    """One text a page shows: where it is, what it says, and its context."""

    where: str
    text: str
    code_column: bool = False  # a cell of a code column (行政区划代码…)
    free: bool = False  # typed by a person or a file name: not checked for language
    reason: bool = False  # a reason sentence (the reasons engine writes it)


#: a value shown through a transform (a reason must give the value a person knows)
TRANSFORM = re.compile(r"对数|\blog\b|logarithm")


def _around_now(day: str) -> bool:
    """A date within a day of the clock: a time the machine recorded while the test ran
    (a model registered, a batch scored), which may fall on midnight. A date shown as a
    timestamp ("2026-09-30 00:00", an as-of date) is months away from it."""
    return abs((dt.date.fromisoformat(day) - dt.date.today()).days) <= 1


def problems(
    text: str,
    lang: str,
    names: str = "",
    code_column: bool = False,
    free: bool = False,
    reason: bool = False,
) -> list[str]:
    """What is wrong with ``text`` on a page in ``lang`` (empty when nothing).

    ``names`` is the data a page may show as it is in the other script (subject
    names, typed reasons): on an English page a Chinese run found in it is a name.
    """
    found: list[str] = []
    for m in NOT_A_VALUE.finditer(text):
        found.append(f"'{m.group(0)}' shown as a value")
    if text.strip() in BOOLEAN:
        found.append(f"'{text.strip()}' shown as a value")
    if any(not _around_now(m.group(1)) for m in MIDNIGHT.finditer(text)):
        found.append("a midnight timestamp")
    if SECONDS.search(text):
        found.append("a timestamp with seconds")
    for m in LONG_DECIMAL.finditer(text):
        found.append(f"a raw number {m.group(0)}")
    if not code_column:
        for m in DIGITS.finditer(text):
            if m.group(0) in COUNTY_CODES:
                found.append(f"a county code {m.group(0)} where its name is meant")
    if reason and TRANSFORM.search(text):
        found.append("a value through a transform (log)")
    if free:
        return found
    stripped = RUN_ID.sub(" ", MODEL_NAME.sub(" ", COMMAND.sub(" ", text)))
    for m in SNAKE.finditer(stripped):
        found.append(f"a raw code '{m.group(0)}'")
    if lang == "zh":
        for m in TOKEN.finditer(QUOTED_CHAR.sub(" ", SNAKE.sub(" ", stripped))):
            word = m.group(0).strip("-'’")
            unit = UNIT.fullmatch(word)
            if unit:
                word = unit.group(1)
            elif any(c.isdigit() for c in word):
                continue
            if word and word not in ALLOWED:
                found.append(f"an English word '{word}'")
    else:
        # a quoted run is a value the data holds (a department's spelling '较重')
        stripped = QUOTED_CJK.sub(" ", stripped)
        for m in CJK.finditer(stripped):
            if m.group(0) not in names:
                found.append(f"Chinese '{m.group(0)}' on an English page")
    return found


def check(texts: Iterable[Text], lang: str, names: str = "") -> list[str]:
    """Every problem of ``texts`` as ``where: text → problem`` lines."""
    out = []
    for item in texts:
        for p in problems(item.text, lang, names, item.code_column, item.free, item.reason):
            out.append(f"{item.where}: {item.text[:120]!r} → {p}")
    return out


# --- AppTest ------------------------------------------------------------------------------


def _fmt_number(x: float, fmt: str | None) -> str:
    if fmt in (None, ""):
        return f"{x:.4f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{x:.0f}"
    if fmt == "localized":
        text = f"{x:,.3f}".rstrip("0").rstrip(".")
        return text
    if fmt == "percent":
        return f"{x * 100:.2f}".rstrip("0").rstrip(".") + "%"
    if fmt.startswith("%"):
        return fmt % x
    raise AssertionError(f"the text check does not know the number format {fmt!r}")


def _cell(value: Any, config: dict[str, Any], placeholder: str) -> str:
    """One cell as the grid draws it."""
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return placeholder
    kind = (config.get("type_config") or {}).get("type")
    fmt = (config.get("type_config") or {}).get("format")
    if isinstance(value, bool):
        return "true" if value else "false"  # a checkbox; its text (copy, screen reader)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _fmt_number(float(value), fmt if kind == "number" else None)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def dataframe_texts(element: Any, where: str) -> list[Text]:
    """The headers and cells of one ``st.dataframe`` as the grid shows them."""
    proto = element.proto
    frame = element.value
    config = json.loads(proto.columns or "{}")
    placeholder = proto.placeholder if proto.HasField("placeholder") else "None"
    order = list(proto.column_order) or [str(c) for c in frame.columns]
    out: list[Text] = []
    if not (config.get("_index") or {}).get("hidden") and not isinstance(
        frame.index, pd.RangeIndex
    ):
        out += [Text(f"{where} index", str(v)) for v in frame.index]
    for column in order:
        if column not in frame.columns:
            continue
        cfg = config.get(column) or config.get(f"_pos:{list(frame.columns).index(column)}") or {}
        header = cfg.get("label") or str(column)
        out.append(Text(f"{where} header", header))
        code = bool(CODE_HEADERS.search(header))
        free = header in FREE_HEADERS
        reason = header in REASON_HEADERS
        for i, value in enumerate(frame[column].tolist()):
            out.append(
                Text(
                    f"{where} [{header}] row {i + 1}",
                    _cell(value, cfg, placeholder),
                    code_column=code,
                    free=free,
                    reason=reason,
                )
            )
    return out


TIME_NAMES = re.compile(r"%[aAbBcx]")
SHOWN_CHANNELS = ("x", "y", "color", "fill", "shape", "size", "text", "tooltip")


def _datasets(proto: Any) -> dict[str, pd.DataFrame]:
    from streamlit import dataframe_util

    out = {}
    for ds in proto.datasets:
        out[ds.name] = dataframe_util.convert_arrow_bytes_to_pandas_df(ds.data.data)
    if proto.data.data:
        out[""] = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.data.data)
    return out


def _encodings(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(channel, definition, dataset name) of a spec and its layers."""
    data = (spec.get("data") or {}).get("name", "")
    for channel, enc in (spec.get("encoding") or {}).items():
        for one in enc if isinstance(enc, list) else [enc]:
            yield channel, one, data
    for layer in spec.get("layer", []):
        for channel, one, name in _encodings(layer):
            yield channel, one, name or data


def chart_texts(element: Any, where: str) -> tuple[list[Text], list[str]]:
    """The texts a Vega-Lite chart draws (titles, category labels) and the spec's own
    problems (a visible guide without a title, a time field without a format)."""
    proto = element.proto
    spec = json.loads(proto.spec)
    data = _datasets(proto)
    texts: list[Text] = []
    faults: list[str] = []
    for channel, enc, name in _encodings(spec):
        if channel not in SHOWN_CHANNELS or not isinstance(enc, dict) or "field" not in enc:
            continue
        guide = (
            enc.get("legend", {})
            if channel in ("color", "fill", "shape", "size")
            else enc.get("axis", {})
            if channel in ("x", "y")
            else {}
        )
        if guide is None:  # no axis / no legend: nothing drawn but the marks
            continue
        field, kind = enc["field"], enc.get("type", "")
        label = f"{where} {channel}:{field}"
        if channel != "text":
            if "title" not in enc:
                faults.append(f"{label}: no title (Vega-Lite shows the field name '{field}')")
            elif enc["title"] is not None:
                texts.append(Text(f"{label} title", str(enc["title"])))
        fmt = enc.get("format") or (guide or {}).get("format")
        if kind == "temporal":
            if not fmt:
                faults.append(f"{label}: a date without a format (English month names)")
            elif TIME_NAMES.search(str(fmt)):
                faults.append(f"{label}: format {fmt!r} writes month or day names")
        if kind == "quantitative" and channel in ("tooltip", "text") and not fmt:
            faults.append(f"{label}: a number without a format (raw decimals)")
        if kind in ("nominal", "ordinal") and field in data.get(name, pd.DataFrame()).columns:
            expr = (guide or {}).get("labelExpr", "")
            cut = 3 if expr == "substring(datum.label, 3)" else 0
            for value in data[name][field].dropna().astype(str).unique():
                texts.append(Text(f"{label} value", value[cut:]))
    return texts, faults


#: Streamlit markdown that is not text: colours (``:red[▲]``) and icons
DIRECTIVE = re.compile(r":(?:red|green|blue|orange|violet|gray|grey|rainbow|primary)\[([^\]]*)\]")
ICON = re.compile(r":material/[a-z_]+:")


def _plain(markdown: str) -> str:
    return ICON.sub("", DIRECTIVE.sub(r"\1", markdown))


def _widget(node: Any, where: str) -> tuple[list[Text], list[str]]:
    proto = node.proto
    kind = node.type
    out = [Text(f"{where} label", proto.label)] if getattr(proto, "label", "") else []
    if getattr(proto, "help", ""):
        out.append(Text(f"{where} help", proto.help))
    # a placeholder shows only while the widget is empty
    empty = kind in ("text_input", "text_area", "multiselect") or (
        kind == "selectbox" and node.value is None
    )
    if empty and getattr(proto, "placeholder", ""):
        out.append(Text(f"{where} placeholder", proto.placeholder))
    out += [Text(f"{where} option", str(o)) for o in getattr(node, "options", []) or []]
    faults = []
    if kind == "date_input" and proto.format != "YYYY-MM-DD":
        faults.append(f"{where} {proto.label}: dates shown as {proto.format}, not YYYY-MM-DD")
    return out, faults


def apptest_texts(at: Any) -> tuple[list[Text], list[str]]:
    """Every text of a page run by ``AppTest`` and the charts' spec problems."""
    texts: list[Text] = []
    faults: list[str] = []

    def walk(node: Any, where: str) -> None:
        kind = getattr(node, "type", "")
        here = f"{where}/{kind}"
        if kind in (
            "title",
            "header",
            "subheader",
            "markdown",
            "caption",
            "text",
            "info",
            "success",
            "warning",
            "error",
            "latex",
        ):
            value = str(node.value)
            reason = value.lstrip("- ").startswith((":red[▲]", ":green[▼]"))
            texts.append(Text(here, _plain(value), reason=reason))
        elif kind == "exception":
            faults.append(f"{here}: an exception reached the page: {node.value}")
        elif kind == "metric":
            texts.extend([Text(f"{here} label", node.label), Text(f"{here} value", node.value)])
            if node.proto.help:
                texts.append(Text(f"{here} help", node.proto.help))
        elif kind == "dataframe":
            texts.extend(dataframe_texts(node, here))
        elif kind in ("vega_lite_chart", "arrow_vega_lite_chart"):
            more, bad = chart_texts(node, here)
            texts.extend(more)
            faults.extend(bad)
        elif kind == "tab":
            texts.append(Text(f"{here} label", node.label))
        elif kind == "expandable":
            texts.append(Text(f"{here} label", node.proto.expandable.label))
        elif kind in (
            "selectbox",
            "multiselect",
            "radio",
            "text_input",
            "text_area",
            "number_input",
            "date_input",
            "button",
            "download_button",
            "file_uploader",
            "checkbox",
            "toggle",
            "form_submit_button",
        ):
            more, bad = _widget(node, here)
            texts.extend(more)
            faults.extend(bad)
        for child in getattr(node, "children", {}).values():
            walk(child, here)

    walk(at._tree, "page")
    return texts, faults
