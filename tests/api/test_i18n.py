"""zh-CN is complete: every string the UI can show has a translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from fairdebt.web import i18n
from fairdebt.web.rendering import LABELS

WEB = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def source_messages() -> set[str]:
    """Every msgid in the templates and Python code, extracted as pybabel would."""
    with (i18n.LOCALE_DIR / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        WEB, method_map, options_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(path: Path):
    with path.open("rb") as po:
        return read_po(po, locale="zh_CN")


def test_every_ui_string_has_a_chinese_translation():
    zh = catalogue(i18n.catalogue_path("zh-CN"))

    missing = []
    for msgid in sorted(source_messages()):
        message = zh.get(msgid)
        strings = message.string if message else ""
        first = strings[0] if isinstance(strings, tuple) else strings
        if message is None or not first or message.fuzzy:
            missing.append(msgid)

    assert not missing, f"add zh_CN translations (see locale/babel.cfg) for: {missing}"


def test_the_template_file_lists_every_ui_string():
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}

    assert source_messages() <= template, "re-run the extract command in locale/babel.cfg"


def test_translations_keep_their_placeholders():
    for message in catalogue(i18n.catalogue_path("zh-CN")):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, message.id


def test_every_label_is_marked_for_translation():
    assert set(LABELS.values()) <= source_messages()


@pytest.mark.parametrize(
    ("asked", "remembered", "default", "chosen"),
    [
        ("en", "zh-CN", "zh-CN", "en"),
        (None, "en", "zh-CN", "en"),
        ("fr", None, "en", "en"),
        (None, "klingon", "zh-CN", "zh-CN"),
    ],
)
def test_the_language_is_the_asked_then_the_remembered_then_the_default(
    asked, remembered, default, chosen
):
    assert i18n.negotiate(asked, remembered, default) == chosen


def test_the_chinese_catalogue_compiles_in_memory():
    zh = i18n.translations("zh-CN")

    assert zh.gettext("Cases") == "案件"
    assert zh.ngettext("%(count)s case", "%(count)s cases", 3) == "共 %(count)s 个案件"
    assert i18n.translations("en").gettext("Cases") == "Cases"
