"""httpx or httpx2 (issue 19, item 7): the same measurements on each HTTP stack, side by side.

`python -m scripts.bench.http_stack [--rounds N]` prints one table. Each measurement runs in its
own process: the "httpx2" stack calls `httpx2.alias_httpx()` there before anything imports
httpx, so that the face, the generated client and the double run unchanged on httpx2 /
httpcore2. Rows whose packages are absent are skipped (install httpx2 beside the lock to get
them: `pip install httpx2 httpcore2`); `make test` never needs this script.

Against one sandbox process over loopback (`bench_face.sandbox()`):

- storm: 5 rounds of 500 requests cancelled in flight (`task.cancel()`, pool of 20),
  each followed by 5 calls at once, each bounded by 1 s; counts the calls served;
- sniffio: `import sniffio` attempts (an audit hook) per call of the raw default async client;
- load: 100 users x 20 calls (bench_face's harness), calls/s and client CPU per call; subjects
  interleaved round by round, so that other work on the machine hits them alike;
- facts: the private parts the face leans on, and what a downstream team still on httpx meets
  (both installed, respx's interception, the classes the generated client hands out).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STACKS = {"httpx": ("httpx", "httpcore"), "httpx2": ("httpx2", "httpcore2")}
STORM_SUBJECTS = ("raw-default", "face-aiohttp", "face-default")
LOAD_SUBJECTS = ("raw-aiohttp", "raw-default", "raw-httpx-aiohttp", "face-aiohttp", "face-default")
LABELS = {
    "raw-aiohttp": "raw aiohttp + json.loads",
    "raw-default": "raw client, default async transport",
    "raw-httpx-aiohttp": "raw client, httpx-aiohttp transport",
    "face-aiohttp": "face AsyncApijClient, aiohttp transport (main's default)",
    "face-default": "face AsyncApijClient, the stack's default async transport",
}
STORM_REQUESTS = 500
STORM_POOL = 20
STORM_CALLS = 5
# The cancel comes this long after the round's requests start: at 0 most are cancelled while
# their connection is being opened (httpcore#1093's window), later ones while waiting or reading.
STORM_DELAYS = (0.0, 0.001, 0.0, 0.005, 0.0)


def available(stack: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in STACKS[stack])


# ---------------------------------------------------------------- worker side (own process)


def _enter(stack: str) -> None:
    """Make `import httpx` mean `stack`, before anything imports it."""
    if stack == "httpx2":
        # By name: httpx2 is not in the lock, and mypy must pass without it.
        importlib.import_module("httpx2").alias_httpx()


def _storm(subject: str, base_url: str) -> dict[str, Any]:
    import asyncio

    import httpx

    from apij import AsyncApijClient, RetryPolicy, Timeouts
    from apij.double import SANDBOX_API_KEY, SCENARIOS

    token = SCENARIOS["maladie"].token
    limits = httpx.Limits(max_connections=STORM_POOL, max_keepalive_connections=STORM_POOL)

    async def main() -> dict[str, Any]:
        if subject == "raw-default":
            client: Any = httpx.AsyncClient(
                base_url=base_url, limits=limits, timeout=httpx.Timeout(1.0), trust_env=False
            )

            async def call() -> object:
                response = await client.get(
                    "/me/paiements",
                    params={"dateDebut": "2025-01-01", "dateFin": "2025-06-30"},
                    headers={"X-API-Key": SANDBOX_API_KEY, "Authorization": f"Bearer {token}"},
                )
                response.raise_for_status()
                return response.json()

            close = client.aclose
        else:
            transport = (
                httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
                if subject == "face-default"
                else None
            )
            face = AsyncApijClient(
                SANDBOX_API_KEY,
                base_url=base_url,
                limits=limits,
                transport=transport,
                timeouts=Timeouts(total=1.0),
                retry=RetryPolicy.none(),
            )

            async def call() -> object:
                return await face.paiements(token, date_debut="2025-01-01", date_fin="2025-06-30")

            close = face.aclose
        served: list[int] = []
        failures: list[str] = []
        try:
            for delay in STORM_DELAYS:
                tasks = [asyncio.create_task(call()) for _ in range(STORM_REQUESTS)]
                await asyncio.sleep(delay)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                outcomes = await asyncio.gather(
                    *(call() for _ in range(STORM_CALLS)), return_exceptions=True
                )
                served.append(sum(not isinstance(o, BaseException) for o in outcomes))
                failures += [type(o).__name__ for o in outcomes if isinstance(o, BaseException)]
        finally:
            await close()
        return {"served": served, "failures": sorted(set(failures))}

    return asyncio.run(main())


def _sniffio(base_url: str) -> dict[str, Any]:
    """`import sniffio` attempts per call of the raw default async client (sniffio absent:
    httpcore 1.0.9 retries the import on every lock, encode/httpcore PR #1103)."""
    import asyncio

    import httpx

    from apij.double import SANDBOX_API_KEY, SCENARIOS

    counts = {"sniffio": 0}

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "import" and args[0] == "sniffio":
            counts["sniffio"] += 1

    calls = 200
    headers = {
        "X-API-Key": SANDBOX_API_KEY,
        "Authorization": f"Bearer {SCENARIOS['maladie'].token}",
    }

    async def main() -> None:
        async with httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
            await client.get("/me/paiements", headers=headers)  # warm: imports done once
            sys.addaudithook(hook)
            for _ in range(calls):
                await client.get("/me/paiements", headers=headers)

    asyncio.run(main())
    return {
        "installed": importlib.util.find_spec("sniffio") is not None,
        "per_call": counts["sniffio"] / calls,
    }


def _load(subject: str, base_url: str) -> dict[str, Any]:
    import asyncio

    import httpx

    from scripts.bench import bench_face as bf

    chosen: bf.AsyncSubject
    if subject == "raw-aiohttp":
        chosen = bf.raw_aiohttp
    elif subject == "raw-default":
        chosen = bf.raw_httpx("default")
    elif subject == "raw-httpx-aiohttp":
        chosen = bf.raw_httpx("aiohttp")
    elif subject == "face-aiohttp":
        chosen = bf.face_async(None)
    else:
        from contextlib import asynccontextmanager

        from apij import AsyncApijClient

        @asynccontextmanager
        async def face_default(url: str) -> Any:
            limits = httpx.Limits(max_connections=bf.USERS, max_keepalive_connections=bf.USERS)
            transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
            async with AsyncApijClient(bf.KEY, base_url=url, transport=transport) as face:

                async def call() -> object:
                    return await face.paiements(
                        bf.TOKEN_MALADIE, date_debut="2025-01-01", date_fin="2025-06-30"
                    )

                yield call

        chosen = face_default
    load = asyncio.run(bf._async_load(chosen, base_url))
    return {"rate": load.rate, "cpu": load.cpu, "failures": load.failures}


def _facts() -> dict[str, Any]:
    """What the face's workarounds meet on this stack (run after `_enter`)."""
    import inspect

    import httpx

    sync_params = inspect.signature(httpx.HTTPTransport.__init__).parameters
    transport = httpx.HTTPTransport()
    return {
        "version": httpx.__version__,
        "module": httpx.__name__,
        "transport_takes_backend": "network_backend" in sync_params,
        "transport_takes_pool": "pool" in sync_params,
        "pool_attribute": hasattr(transport, "_pool"),
        "transport_for_url": hasattr(httpx.Client, "_transport_for_url"),
    }


def _downstream() -> dict[str, Any]:
    """A downstream process still on httpx, with httpx2 installed beside it (no alias)."""
    import httpx
    import respx

    httpx2: Any = importlib.import_module("httpx2")  # by name: not in the lock

    out: dict[str, Any] = {"side_by_side": sys.modules["httpx"] is not sys.modules["httpx2"]}
    with respx.mock(assert_all_called=False) as router:
        router.get("https://partner.invalid/x").respond(204)
        out["respx_httpx"] = httpx.get("https://partner.invalid/x").status_code == 204
        try:
            httpx2.get("https://partner.invalid/x", timeout=0.5)
            out["respx_default_sees_httpx2"] = True
        except Exception:
            out["respx_default_sees_httpx2"] = False
    if importlib.util.find_spec("pytest_httpx2") is not None:
        importlib.import_module("pytest_httpx2")  # registers respx's "httpcore2" mocker

        with respx.mock(using="httpcore2", assert_all_called=False) as router:
            route = router.get("https://partner.invalid/y")
            route.respond(204)
            out["respx_httpcore2_respond"] = httpx2.get("https://partner.invalid/y").status_code
            try:
                route.mock(return_value=httpx2.Response(204))
                out["respx_httpcore2_httpx2_response"] = "accepted"
            except TypeError as exc:
                out["respx_httpcore2_httpx2_response"] = f"rejected ({type(exc).__name__})"
    # An httpx transport handed to an httpx2 client (the generated Client's httpx_args).
    try:
        mock = httpx.MockTransport(lambda request: httpx.Response(204))
        with httpx2.Client(transport=mock) as client:
            out["httpx_transport_in_httpx2"] = str(
                client.get("https://partner.invalid/").status_code
            )
    except Exception as exc:
        out["httpx_transport_in_httpx2"] = type(exc).__name__
    return out


def worker(stack: str, task: str, base_url: str) -> dict[str, Any]:
    _enter(stack)
    kind, _, subject = task.partition(":")
    if kind == "storm":
        return _storm(subject, base_url)
    if kind == "sniffio":
        return _sniffio(base_url)
    if kind == "load":
        return _load(subject, base_url)
    if kind == "facts":
        return _facts()
    if kind == "downstream":
        return _downstream()
    raise ValueError(task)


# ---------------------------------------------------------------- parent side


def _run(stack: str, task: str, base_url: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "scripts.bench.http_stack", "--worker", stack, task, base_url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:80]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def _sandbox() -> Iterator[str]:
    from scripts.bench.bench_face import sandbox

    with sandbox() as base_url:
        yield base_url


def _spread(values: list[float], fmt: str) -> str:
    if not values:
        return "-"
    median = statistics.median(values)
    return f"{median:{fmt}} ({min(values):{fmt}}-{max(values):{fmt}}, n={len(values)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each load and storm")
    parser.add_argument("--worker", nargs=3, metavar=("STACK", "TASK", "BASE_URL"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    stacks = [s for s in STACKS if available(s)]
    rows: list[tuple[str, str, str]] = []
    skipped = [s for s in STACKS if s not in stacks]

    def add(subject: str, figures: dict[str, str]) -> None:
        rows.append((subject, *(figures.get(s, "skipped") for s in STACKS)))  # type: ignore[arg-type]

    with _sandbox() as base_url:
        facts = {s: _run(s, "facts", base_url) for s in stacks}
        add("version", {s: str(facts[s].get("version", facts[s])) for s in stacks})
        for key, label in (
            ("transport_takes_backend", "HTTPTransport takes a network backend"),
            ("pool_attribute", "HTTPTransport._pool there (overwrite still possible)"),
            ("transport_for_url", "Client._transport_for_url there (respx's httpx mocker)"),
        ):
            add(label, {s: str(facts[s].get(key)) for s in stacks})
        sniff = {s: _run(s, "sniffio", base_url) for s in stacks}
        add(
            "import sniffio attempts per async call (sniffio installed?)",
            {s: f"{sniff[s].get('per_call')} ({sniff[s].get('installed')})" for s in stacks},
        )
        for subject in STORM_SUBJECTS:
            runs = {
                s: [_run(s, f"storm:{subject}", base_url) for _ in range(args.rounds)]
                for s in stacks
            }
            add(
                f"storm: {LABELS[subject]}: served per round, each run",
                {
                    s: " | ".join(
                        ",".join(map(str, r["served"])) if "served" in r else r["error"]
                        for r in runs[s]
                    )
                    for s in stacks
                },
            )
        loads: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for _ in range(args.rounds):  # interleaved: load drift hits every subject alike
            for subject in LOAD_SUBJECTS:
                for s in stacks:
                    loads.setdefault((s, subject), []).append(_run(s, f"load:{subject}", base_url))
        for subject in LOAD_SUBJECTS:
            add(
                f"load: {LABELS[subject]}: calls/s",
                {
                    s: _spread([r["rate"] for r in loads[s, subject] if "rate" in r], ",.0f")
                    for s in stacks
                },
            )
            add(
                f"load: {LABELS[subject]}: client CPU µs/call",
                {
                    s: _spread([r["cpu"] * 1e6 for r in loads[s, subject] if "cpu" in r], ".0f")
                    for s in stacks
                },
            )
        for s in stacks:
            # Same round, same machine: the ratios that bind (face / raw on one transport).
            for face, raw in (
                ("face-aiohttp", "raw-httpx-aiohttp"),
                ("face-default", "raw-default"),
            ):
                ratios = [
                    f["rate"] / r["rate"]
                    for f, r in zip(loads[s, face], loads[s, raw], strict=True)
                    if "rate" in f and "rate" in r
                ]
                rows.append((f"{s}: {face} / {raw}, per round", _spread(ratios, ".2f"), ""))
    if available("httpx") and available("httpx2"):
        down = _run("httpx", "downstream", "-")
        for key, value in down.items():
            rows.append((f"downstream on httpx: {key}", str(value), ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  " + "  ".join(f"{s:<34}" for s in STACKS))
    for row in rows:
        print(f"{row[0]:<{width}}  " + "  ".join(f"{v:<34}" for v in row[1:]))
    if skipped:
        print(f"skipped (not installed): {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
