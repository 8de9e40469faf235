"""The pytest plugin: a downstream project tests its own code against ``apij_mock``."""

from __future__ import annotations

import importlib.abc
import subprocess
import sys
import textwrap

import httpx
import pytest

from apij.double import SANDBOX_BASE_URL
from apij.openapi import effective

pytest_plugins = ("pytester",)

DOWNSTREAM_APP = '''
"""A downstream service's code: the net IJ paid to one user over a window."""
from decimal import Decimal
import json
import httpx

def total_net(base, api_key, token, date_debut, date_fin):
    params = {"dateDebut": date_debut, "dateFin": date_fin}
    headers = {"X-API-Key": api_key, "Authorization": f"Bearer {token}"}
    response = httpx.get(f"{base}/me/paiements", params=params, headers=headers)
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


def net(apij_mock, token, date_debut="2025-01-01", date_fin="2025-06-30"):
    return total_net(apij_mock.base_url, apij_mock.api_key, token, date_debut, date_fin)


def test_known_scenario(apij_mock):
    # 11 days x 32.87 (net 337.34) + two 14-day lines (net 429.35 each), from CONTRACT figures.
    assert net(apij_mock, apij_mock.token("maladie")) == Decimal("1196.04")
    assert apij_mock.calls.call_count == 1


def test_my_own_person(apij_mock):
    arret = Arret(NatureArret.AT_MP, date(2025, 2, 3), date(2025, 2, 16), Decimal("7300.00"))
    apij_mock.double.add_person(Person(name="mine", token="my-own-token-0001", arrets=(arret,)))
    # 14 days x 48.00 = 672.00; CSG 41.66; CRDS 3.36.
    assert net(apij_mock, "my-own-token-0001", "2025-02-01", "2025-02-28") == Decimal("626.98")


def test_errors_and_faults(apij_mock):
    with pytest.raises(httpx.HTTPStatusError) as caught:
        net(apij_mock, apij_mock.token("jeton_expire"))
    assert caught.value.response.status_code == 401
    apij_mock.double.inject_fault("unavailable", times=1)
    with pytest.raises(httpx.HTTPStatusError):
        net(apij_mock, apij_mock.token("maladie"))
    assert net(apij_mock, apij_mock.token("sans_ij")) == 0


def test_nothing_else_is_mocked(apij_mock):
    with pytest.raises(Exception, match="not mocked"):
        httpx.get("https://example.org/")
"""


def test_default_base_url_never_resolves_and_keeps_a_server_path_of_the_contract() -> None:
    # A test that forgets the fixture must fail at once, not reach CNAM's test gateway.
    url = httpx.URL(SANDBOX_BASE_URL)
    assert url.host.endswith(".invalid")  # RFC 6761: a name that never resolves
    assert url.path in {httpx.URL(server).path for server in effective().servers}


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
            assert apij_mock.base_url == "http://127.0.0.1:9/apij"
            token = apij_mock.token("sans_ij")
            net = total_net("http://127.0.0.1:9/apij", apij_mock.api_key, token, "2025-01-01",
                            "2025-06-30")
            assert net == 0
        """,
    )
    pytester.syspathinsert()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# A real HTTP server on loopback, started by the downstream tests themselves.
LOOPBACK_CONFTEST = """
import http.server
import threading

import pytest


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"real")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
"""


def test_named_hosts_pass_through_and_others_are_refused(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(LOOPBACK_CONFTEST)
    pytester.makepyfile(
        test_passthrough="""
        import httpx
        import pytest

        @pytest.fixture
        def apij_mock_passthrough():
            return ["127.0.0.1"]

        def test_named_host_is_reached(apij_mock, loopback_port):
            assert httpx.get(f"http://127.0.0.1:{loopback_port}/").text == "real"

        def test_other_hosts_stay_refused(apij_mock, loopback_port):
            with pytest.raises(Exception, match="not mocked"):
                httpx.get(f"http://localhost:{loopback_port}/")
        """,
        test_default="""
        import httpx
        import pytest

        def test_loopback_is_refused_by_default(apij_mock, loopback_port):
            with pytest.raises(Exception, match="not mocked"):
                httpx.get(f"http://127.0.0.1:{loopback_port}/")
        """,
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


# `instable` answers 503 with Retry-After: 1 twice, then the statement; the client's waits go
# through its clock: the fixture's records them, the system clock calls time.sleep / anyio.sleep.
RETRY_TESTS = """
import time

import anyio
import pytest

from apij import ApijClient, AsyncApijClient
from apij.double import ApijMock


def forbid_sleeping(monkeypatch):
    def no_sleep(seconds):
        raise AssertionError(f"slept {seconds} s for real")

    monkeypatch.setattr(time, "sleep", no_sleep)
    monkeypatch.setattr(anyio, "sleep", no_sleep)


def test_sync_retries_at_once(apij_mock: ApijMock, monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_sleeping(monkeypatch)
    with ApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam:
        releve = cnam.paiements(apij_mock.token("instable"), date_debut="2025-01-01",
                                date_fin="2025-06-30")
    assert releve.paiements
    assert len(apij_mock.waits) == 2 and min(apij_mock.waits) >= 1


@pytest.mark.anyio
async def test_async_retries_at_once(apij_mock: ApijMock, monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_sleeping(monkeypatch)
    async with AsyncApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam:
        releve = await cnam.paiements(apij_mock.token("instable"), date_debut="2025-01-01",
                                      date_fin="2025-06-30")
    assert releve.paiements
    assert len(apij_mock.waits) == 2 and min(apij_mock.waits) >= 1


@pytest.mark.apij_real_timing
def test_real_timing_sleeps(apij_mock: ApijMock, monkeypatch: pytest.MonkeyPatch) -> None:
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)  # what the client would really sleep
    with ApijClient(apij_mock.api_key, base_url=apij_mock.base_url) as cnam:
        cnam.paiements(apij_mock.token("instable"), date_debut="2025-01-01",
                       date_fin="2025-06-30")
    assert len(slept) == 2 and min(slept) >= 1
    assert apij_mock.waits == []
"""


def test_fixture_clients_retry_at_once_unless_real_timing(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def anyio_backend():
            return "asyncio"
        """
    )
    pytester.makepyfile(test_retries=RETRY_TESTS)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_real_timing_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.apij_real_timing: *"])


class _HideRespx(importlib.abc.MetaPathFinder):
    """Make ``import respx`` fail as it would where the 'double' extra is not installed."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname.split(".")[0] == "respx":
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def test_missing_extra_fails_with_the_install_hint(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "meta_path", [_HideRespx(), *sys.meta_path])
    # As in a fresh process: neither respx nor the double (which imports it) loaded yet.
    for module in list(sys.modules):
        if module.split(".")[0] == "respx" or module.startswith("apij.double"):
            monkeypatch.delitem(sys.modules, module)
    pytester.makepyfile(test_needs_mock="def test_it(apij_mock):\n    pass\n")
    # Without respx there is no respx plugin; plain asserts keep pytest's import hook out of
    # the way of the finder above.
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:respx", "--assert=plain")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*(respx is missing): pip install 'apij[[]double[]]'"])
    assert "During handling" not in result.stdout.str()


def test_plugin_import_is_cheap() -> None:
    # pytest loads the plugin in every downstream run: it must not import apij (httpx, the
    # generated client, the contract) nor the double's extras until a fixture is used.
    code = textwrap.dedent(
        """
        import sys
        import apij_pytest_plugin
        heavy = ("apij", "apij_client", "httpx", "respx", "hypothesis", "uvicorn", "tenacity")
        print(",".join(m for m in heavy if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
