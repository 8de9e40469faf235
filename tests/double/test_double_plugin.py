"""The pytest plugin: a downstream project tests its own code against ``apij_mock``."""

from __future__ import annotations

import importlib.abc
import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ("pytester",)

DOWNSTREAM_APP = '''
"""A downstream service's code: the net IJ paid to one user over a window."""
from decimal import Decimal
import json
import httpx

BASE = "https://partenaires.api.ameli.fr/test/v1/indemnites-journalieres"

def total_net(api_key, token, debut, fin, base=BASE):
    response = httpx.get(f"{base}/me/paiements", params={"dateDebut": debut, "dateFin": fin},
                         headers={"X-API-Key": api_key, "Authorization": f"Bearer {token}"})
    response.raise_for_status()
    total = Decimal(0)
    for line in json.loads(response.content, parse_float=Decimal)["paiements"]:
        gross = line["nombre_jours"] * line["montant_journalier"]
        total += gross - line["csg"] - line["crds"]
    return total
'''

DOWNSTREAM_TESTS = """
from datetime import date
from decimal import Decimal

import httpx
import pytest

from apij.double import Arret, NatureArret, Person
from downstream_app import total_net


def test_known_scenario(apij_mock):
    # 11 days x 32.87 (net 337.34) + two 14-day lines (net 429.35 each), from CONTRACT figures.
    net = total_net(apij_mock.api_key, apij_mock.token("maladie"), "2025-01-01", "2025-06-30")
    assert net == Decimal("1196.04")
    assert apij_mock.calls.call_count == 1


def test_my_own_person(apij_mock):
    arret = Arret(NatureArret.AT_MP, date(2025, 2, 3), date(2025, 2, 16), Decimal("7300.00"))
    apij_mock.add_person(Person(name="mine", token="my-own-token-0001", arrets=(arret,)))
    # 14 days x 48.00 = 672.00; CSG 41.66; CRDS 3.36.
    net = total_net(apij_mock.api_key, "my-own-token-0001", "2025-02-01", "2025-02-28")
    assert net == Decimal("626.98")


def test_errors_and_faults(apij_mock):
    with pytest.raises(httpx.HTTPStatusError) as caught:
        total_net(apij_mock.api_key, apij_mock.token("jeton_expire"), "2025-01-01", "2025-06-30")
    assert caught.value.response.status_code == 401
    apij_mock.inject_fault("unavailable", times=1)
    with pytest.raises(httpx.HTTPStatusError):
        total_net(apij_mock.api_key, apij_mock.token("maladie"), "2025-01-01", "2025-06-30")
    assert total_net(apij_mock.api_key, apij_mock.token("sans_ij"), "2025-01-01", "2025-06-30") == 0


def test_nothing_else_is_mocked(apij_mock):
    with pytest.raises(Exception, match="not mocked"):
        httpx.get("https://example.org/")
"""


def _downstream(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(downstream_app=DOWNSTREAM_APP, test_downstream=DOWNSTREAM_TESTS)
    pytester.syspathinsert()


def test_downstream_project_uses_the_fixture(pytester: pytest.Pytester) -> None:
    _downstream(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_base_url_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def apij_mock_base_url():
            return "http://127.0.0.1:9/apij"
        """
    )
    pytester.makepyfile(
        downstream_app=DOWNSTREAM_APP,
        test_override="""
        from downstream_app import total_net

        def test_other_base(apij_mock):
            net = total_net(apij_mock.api_key, apij_mock.token("sans_ij"), "2025-01-01",
                            "2025-06-30", base="http://127.0.0.1:9/apij")
            assert net == 0
        """,
    )
    pytester.syspathinsert()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


class _HideRespx(importlib.abc.MetaPathFinder):
    """Make ``import respx`` fail as it would where the 'double' extra is not installed."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname.split(".")[0] == "respx":
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def test_missing_extra_fails_with_the_install_hint(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "meta_path", [_HideRespx(), *sys.meta_path])
    for module in list(sys.modules):
        if module.split(".")[0] == "respx" or module in ("apij.double.mock", "apij.double.router"):
            monkeypatch.delitem(sys.modules, module)
    pytester.makepyfile(test_needs_mock="def test_it(apij_mock):\n    pass\n")
    # Without respx there is no respx plugin; plain asserts keep pytest's import hook out of
    # the way of the finder above.
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:respx", "--assert=plain")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*(respx is missing): pip install 'apij[[]double[]]'"])
    assert "During handling" not in result.stdout.str()


def test_plugin_import_is_cheap() -> None:
    code = textwrap.dedent(
        """
        import sys
        import apij.double.pytest_plugin
        # The double's own heavy modules (the face\'s package __init__ is not ours to judge).
        heavy = ("respx", "hypothesis", "uvicorn", "openapi_core", "apij.double.core")
        print(",".join(m for m in heavy if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
