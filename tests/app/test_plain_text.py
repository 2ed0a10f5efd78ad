"""formats.plain: user text through a Markdown renderer reads as itself (issue 15)."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from app.components.formats import MISSING, plain

TEXTS = (
    "**粗体** <b>x</b> [链接](http://x) $x$",
    "# 标题",
    "- 列表",
    "1. 第一",
    "> 引用",
    "`code` _斜体_ ~~删除~~ | 表格 |",
    ":red[红色] :material/home:",
    "&lt;b&gt; &amp;",
    "曲靖(某)公司 3.05%",
    "a\\*b",
)


def _rendered_text(markdown: str) -> str:
    """What a CommonMark renderer shows: the HTML without tags, entities decoded."""
    out = MarkdownIt("commonmark").enable("strikethrough").enable("table").render(markdown)
    assert out.count("<") == out.count("</p>") + out.count("<p>"), out  # only a paragraph
    return html.unescape(re.sub(r"</?p>", "", out)).strip()


@pytest.mark.parametrize("text", TEXTS)
def test_plain_text_renders_as_itself(text: str) -> None:
    assert _rendered_text(plain(text)) == text


@pytest.mark.parametrize("text", ["**粗体**", "[链接](http://x)", "# 标题", "<b>x</b>"])
def test_the_check_sees_markup_that_is_not_escaped(text: str) -> None:
    with pytest.raises(AssertionError):
        assert _rendered_text(text) == text


def test_line_breaks_cannot_open_a_block_and_missing_reads_as_a_dash() -> None:
    assert plain("甲\n# 乙\r\n\t丙") == "甲 # 乙 丙"  # not at a line start: no heading
    assert plain(None) == MISSING and plain(float("nan")) == MISSING
