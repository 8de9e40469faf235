"""The overlay applier (scripts/overlay.py) and the project's standing overlay."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from apij.openapi import read
from conformance._support import document
from scripts.documents import parse_document
from scripts.overlay import ActionReport, OverlayError, apply
from scripts.project import OVERLAY
from scripts.update_spec import staleness

HOUSE_STYLE = Path(__file__).with_name("upstream") / "house-style.yaml"


def overlay(*actions: dict[str, Any], version: str = "1.1.0") -> dict[str, Any]:
    return {"overlay": version, "info": {"title": "t", "version": "1"}, "actions": list(actions)}


DOC: dict[str, Any] = {
    "info": {"title": "t", "tags": ["a"], "n": 1},
    "list": [1, 2, 3],
    "objects": [{"k": "x"}, {"k": "y"}],
}


def test_update_merges_objects_concatenates_arrays_and_replaces_primitives() -> None:
    result = apply(
        overlay({"target": "$.info", "update": {"title": "u", "tags": ["b"], "new": {"z": 1}}}),
        DOC,
    )
    assert result.document["info"] == {"title": "u", "tags": ["a", "b"], "n": 1, "new": {"z": 1}}
    assert DOC["info"]["title"] == "t", "the input document is not modified"
    (report,) = result.actions
    assert (report.matched, report.changed) == (1, 1)


def test_update_of_an_array_target_appends_and_of_a_primitive_replaces() -> None:
    result = apply(
        overlay(
            {"target": "$.list", "update": 4},
            {"target": "$.objects[*].k", "update": "z"},
        ),
        DOC,
    )
    assert result.document["list"] == [1, 2, 3, 4]
    assert result.document["objects"] == [{"k": "z"}, {"k": "z"}]
    assert [r.changed for r in result.actions] == [1, 2]


def test_an_action_that_finds_the_document_right_changes_nothing() -> None:
    result = apply(
        overlay(
            {"target": "$.info", "update": {"title": "t"}},
            {"target": "$.nowhere", "update": {"a": 1}},
        ),
        DOC,
    )
    assert result.document == DOC
    assert [r.summary for r in result.actions] == [
        "matches 1, changes nothing (already right)",
        "matches nothing",
    ]


def test_remove_deletes_every_match_even_several_items_of_one_array() -> None:
    result = apply(overlay({"target": "$.list[?@ > 1]", "remove": True}), DOC)
    assert result.document["list"] == [1]
    assert result.actions[0].changed == 2


def test_copy_merges_one_node_into_the_targets() -> None:
    result = apply(overlay({"target": "$.objects[1]", "copy": "$.info"}), DOC)
    assert result.document["objects"][1] == {"k": "y", **DOC["info"]}


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (overlay({"target": "$.info", "copy": "$.objects[*]"}), ["copy query selects 2 nodes"]),
        (overlay({"target": "$.info", "copy": "$.list"}, version="1.0.0"), ["needs overlay 1.1"]),
        (overlay({"target": "$.info.title", "update": {"a": 1}}), ["primitive"]),
        (overlay({"target": "$.info", "update": {"tags": "b"}}), ["array"]),
        (overlay({"target": "$[?", "update": {}}), ["invalid JSONPath"]),
        (overlay({"target": "$", "remove": True}), ["root"]),
        (overlay({"target": "$.info", "update": {}, "remove": True}), ["exactly one of"]),
        (overlay({"target": "$.info", "update": {}}, version="2.0.0"), ["unsupported overlay"]),
    ],
)
def test_what_cannot_be_applied_is_an_overlay_error_naming_the_action(
    bad: dict[str, Any], words: list[str]
) -> None:
    with pytest.raises(OverlayError) as caught:
        apply(bad, DOC)
    for word in words:
        assert word in str(caught.value)


def test_the_standing_overlay_changes_nothing_in_the_effective_contract() -> None:
    # Every action is a no-op on a document that is already right: the effective one.
    standing = parse_document(OVERLAY.read_text(encoding="utf-8"))
    result = apply(standing, document())
    assert result.document == document()
    assert [r.name for r in result.actions if r.changed] == []


def test_the_standing_overlay_normalises_the_house_style() -> None:
    standing = parse_document(OVERLAY.read_text(encoding="utf-8"))
    house = parse_document(HOUSE_STYLE.read_text(encoding="utf-8"))
    result = apply(standing, house)
    contract = read(result.document)
    (operation,) = contract.operations
    # Both credentials, as one requirement object.
    assert operation.security == (("API-Key-Cnam", "Access-Token-France-Connect"),)
    # The error statuses the face types, with their headers.
    assert operation.statuses >= {200, 400, 401, 403, 404, 429, 500, 502, 503}
    for status, header in ((401, "WWW-Authenticate"), (429, "Retry-After"), (503, "Retry-After")):
        response = operation.response(status)
        assert response is not None
        assert response.header(header) is not None
    # The upstream's own body, now under application/json, with the required lists.
    ok = operation.response(200)
    assert ok is not None
    assert ok.media_types == ("application/json",)
    assert ok.schema is not None
    assert ok.schema["required"] == ["date_debut", "date_fin", "paiements"]
    line = ok.schema["properties"]["paiements"]["items"]
    assert set(line["required"]) == set(line["properties"])
    assert line["properties"]["csg"]["multipleOf"] == 0.01
    # What the house style got right stays as it said: optional window, its server.
    assert [p.required for p in operation.parameters] == [False, False]
    assert contract.servers == tuple(s["url"] for s in house["servers"])
    # And applying the overlay again changes nothing more.
    again = apply(standing, copy.deepcopy(result.document))
    assert [r.name for r in again.actions if r.changed] == []


def _report(name: str, matched: int, changed: int) -> ActionReport:
    return ActionReport(0, name, "", "update", matched, changed)


def test_staleness_names_only_actions_whose_effect_changed_and_counts_the_rest() -> None:
    before = [_report("a", 1, 1), _report("b", 1, 0), _report("c", 0, 0), _report("d", 1, 1)]
    after = [
        _report("a", 0, 0),
        _report("b", 1, 0),
        _report("c", 1, 1),
        _report("d", 1, 1),
        _report("e", 0, 0),
    ]
    assert staleness(before, after) == [
        "2 of 5 actions unchanged in effect (1 acting, 1 matching or changing nothing)",
        "STALE matches nothing (was: changes 1 of 1 matched): a",
        "changes 1 of 1 matched (was: matches nothing): c",
        "matches nothing (new action): e",
    ]
    # Actions whose effect changed alike share a line, named by their common stem.
    twins = [_report("status-400", 1, 1), _report("status-401", 1, 1), _report("z", 1, 1)]
    assert staleness([], twins)[1:] == ["changes 1 of 1 matched (new action): status-400/401, z"]
