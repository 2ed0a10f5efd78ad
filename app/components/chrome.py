"""Streamlit's own words on a page, in the session's language.

Streamlit writes a few hints in English whatever the page's language — "Press
Enter to apply" under a text box, "Drag and drop file here", "Limit 200MB per
file" and "Browse files" in a file uploader, the keyboard users' "Skip to main
content" link — and has no setting for them.
On a Chinese page this stylesheet hides them (``visibility: hidden``, so they
are neither seen nor read out) and writes the Chinese words in their place.
Selectors are Streamlit's ``data-testid`` attributes (checked on 1.67).
"""

from __future__ import annotations

import streamlit as st

ZH_CSS = """
<style>
[data-testid="stSkipToContent"] { visibility: hidden; }
[data-testid="stSkipToContent"]::after { content: "跳到主要内容"; visibility: visible; }
[data-testid="InputInstructions"] { visibility: hidden; font-size: 0; }
[data-testid="InputInstructions"]::after {
  content: "按回车键确认"; visibility: visible; font-size: 0.75rem; white-space: nowrap;
}
[data-testid="stFileUploaderDropzoneInstructions"] > div > * { visibility: hidden; }
[data-testid="stFileUploaderDropzoneInstructions"] > div { position: relative; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before {
  content: "将文件拖放到此处，或点击右侧按钮选择文件（单个文件不超过 200MB）";
  visibility: visible; position: absolute; left: 0; top: 0; white-space: nowrap;
}
[data-testid="stFileUploaderDropzone"] button { color: transparent; position: relative; }
[data-testid="stFileUploaderDropzone"] button > * { visibility: hidden; }
[data-testid="stFileUploaderDropzone"] button::after {
  content: "选择文件"; color: var(--text-color, #31333f); visibility: visible;
  position: absolute; left: 0; right: 0; text-align: center;
}
</style>
"""


def localise(lang: str) -> None:
    """Put Streamlit's built-in English hints into ``lang`` (only Chinese needs it)."""
    if lang == "zh":
        st.html(ZH_CSS)
