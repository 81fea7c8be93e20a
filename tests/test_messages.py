"""The one message catalogue: every id once, every entry renders, no English system text."""

from __future__ import annotations

import re

import pytest
import yaml

from workbooks.messages import BLOCKS, FOLDER, MessageCatalogueError, catalogue, say


def test_every_family_file_is_part_of_the_catalogue_and_no_id_is_repeated():
    seen: dict[str, str] = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        for key in yaml.safe_load(path.read_text(encoding="utf-8")) or {}:
            assert key not in seen, f"{key} in {path.name} and {seen[key]}"
            seen[key] = path.name
    assert set(seen) == set(catalogue())
    assert {"findings.yaml", "files.yaml", "registry.yaml", "cli.yaml", "consolidate.yaml"} <= set(seen.values())


@pytest.mark.parametrize("key", [k for k in catalogue() if k not in BLOCKS])
def test_every_message_renders_in_vietnamese(key):
    message = say(key, sheet="Phụ lục II", cell="E14", path="a.xlsx", name="a.xlsx")
    assert message.text, key
    words = re.findall(r"[A-Za-z]+", re.sub(r"\{[^}]*\}|\([^)]*\)|'[^']*'|\"[^\"]*\"", "", message.text))
    english = {"No", "such", "file", "directory", "Permission", "denied", "Traceback", "Error", "error"}
    assert not english & set(words), (key, message.text)


def test_a_repeated_id_is_a_catalogue_mistake(tmp_path, monkeypatch):
    import workbooks.messages as messages

    for name, text in (("a.yaml", "x.one: {message: 'Một'}\n"), ("b.yaml", "x.one: {message: 'Hai'}\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(messages, "FOLDER", tmp_path)
    messages.catalogue.cache_clear()
    try:
        with pytest.raises(MessageCatalogueError, match="x.one"):
            messages.catalogue()
    finally:
        monkeypatch.undo()
        messages.catalogue.cache_clear()


CONSOLIDATION_REASONS = ("blank_template", "version_mismatch", "other_form", "other_period", "unit_not_expected",
                         "unknown_unit", "older_version", "same_content", "tied_version", "identity_recorded",
                         "identity_file_name", "has_errors", "other_extension", "lock_file")


def test_every_reason_a_user_can_see_has_a_vietnamese_label():
    from consolidate.labels import REASON_LABELS, STATUS_LABELS, reason_label
    from consolidate.model import STATUSES
    from workbooks.reader import REASONS

    for reason in (*REASONS, *CONSOLIDATION_REASONS):
        assert reason in REASON_LABELS and reason_label(reason) != reason, reason
    assert set(STATUSES) <= set(STATUS_LABELS)
