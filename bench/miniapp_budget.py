"""The Telegram Mini App's budget, measured in Chromium against a local API.

    uv run python bench/miniapp_budget.py [--runs 9] [--api-cache local|off]

* **JavaScript size**: every .js file of the built page (src/booking_api/miniapp/static),
  gzipped at level 9 (budget: 100 KB in all).
* **Open → free times**: from navigation start to the first free time on screen, opening a
  ``startapp=service-<id>`` link (the page opens at that service's calendar), at a phone's size
  with a stand-in Telegram (tests/miniapp/standin.js) and freshly signed initData. ``cold``:
  the browser cache disabled (every byte fetched); ``warm``: a second open (hashed assets from
  the cache, index.html revalidated). Budget: 1 s.
* **Tap → free times**: on the specialist screen, from the tap on a specialist to their free
  times on screen (one round of API requests).
* **Request waterfall**: the longest chain of requests, each starting only after the previous
  one ended, from the navigation to the free times shown (from Resource Timing: an upper bound
  of the real dependency chain). Budget: 3 round trips.

The API runs in this process (uvicorn in a thread) on a fresh SQLite file with the demo
catalogue, like the browser tests (tests/miniapp/harness.py). Medians of ``--runs`` opens are
printed and written to bench/results/<date>-miniapp.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from booking_api.miniapp import STATIC_DIR  # noqa: E402
from miniapp.harness import ApiServer, Phone, phone, sign_init_data, telegram_user  # noqa: E402

RESULTS = ROOT / "bench" / "results"

# Records when the first free time is on screen (ms from navigation start).
PROBE = """
new MutationObserver((_, observer) => {
  if (document.querySelector('[data-slot]')) {
    window.__timesShown = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""

TIMING = """
const shown = window.__timesShown;
const nav = performance.getEntriesByType('navigation')[0];
const requests = [{name: nav.name, start: 0, end: nav.responseEnd}].concat(
  performance.getEntriesByType('resource')
    .filter(e => e.startTime < shown)
    .map(e => ({name: e.name, start: e.startTime, end: e.responseEnd})));
return {shown, requests};
"""


def waterfall(requests: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """The longest chain of requests each started after the previous one had ended."""
    ordered = sorted(requests, key=lambda r: r["start"])
    depth: dict[int, tuple[int, list[str]]] = {}
    for i, request in enumerate(ordered):
        before = [depth[j] for j in range(i) if ordered[j]["end"] <= request["start"] + 0.5]
        longest = max(before, key=lambda d: d[0], default=(0, []))
        depth[i] = (longest[0] + 1, [*longest[1], request["name"]])
    return max(depth.values(), key=lambda d: d[0])


def js_sizes() -> dict[str, int]:
    return {
        str(path.relative_to(STATIC_DIR)): len(gzip.compress(path.read_bytes(), 9))
        for path in sorted(STATIC_DIR.rglob("*.js"))
    }


def open_link(tab: Phone, link: str, user_id: int, *, cold: bool) -> dict[str, Any]:
    tab.cdp("Network.enable")
    tab.cdp("Network.setCacheDisabled", {"cacheDisabled": cold})
    init_data = sign_init_data(telegram_user(user_id, "ru"), start_param=link)
    tab.open(init_data=init_data, extra=PROBE)
    tab.wait("return window.__timesShown !== undefined", timeout=20, message="free times")
    measured = tab.js(TIMING)
    chain_length, chain = waterfall(measured["requests"])
    return {
        "shown_ms": round(measured["shown"], 1),
        "waterfall": chain_length,
        "chain": chain,
        "requests": len(measured["requests"]),
        "timeline": [
            [r["name"].split("/", 3)[-1], round(r["start"], 1), round(r["end"], 1)]
            for r in sorted(measured["requests"], key=lambda r: r["start"])
        ],
    }


def tap_to_times(tab: Phone, user_id: int) -> float:
    """From a tap on a specialist to their free times (the catalogue already loaded)."""
    tab.cdp("Network.setCacheDisabled", {"cacheDisabled": False})
    tab.open(init_data=sign_init_data(telegram_user(user_id, "ru")))
    tab.wait_screen("home")
    tab.tap_row("Ногтевой сервис")
    tab.tap_row("Маникюр")
    tab.wait_screen("specialists")
    tab.js(
        "window.__tapped = null; window.__timesShown = undefined;"
        "document.addEventListener('click', () => { window.__tapped = performance.now() },"
        " {capture: true, once: true});" + PROBE
    )
    tab.tap_row("Анна Иванова")
    tab.wait("return window.__timesShown !== undefined", timeout=20, message="free times")
    return round(tab.js("return window.__timesShown - window.__tapped"), 1)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--api-cache", choices=("local", "off"), default="local")
    args = parser.parse_args()

    sizes = js_sizes()
    started = time.monotonic()
    results: dict[str, Any] = {"js_gzip_bytes": sizes, "js_gzip_total": sum(sizes.values())}
    with tempfile.TemporaryDirectory() as tmp:
        with (
            ApiServer(Path(tmp), cache_backend=args.api_cache) as api,
            phone(Path(tmp), api.url) as tab,
        ):
            link = f"service-{api.service_id('Маникюр', 'Анна Иванова')}"
            tab.open(init_data=None)  # the first start of Chromium and of the API, not measured
            tab.wait_screen("home")
            users = iter(range(8_000_000_001, 8_100_000_000))
            for mode in ("cold", "warm"):
                runs = [
                    open_link(tab, link, next(users), cold=mode == "cold") for _ in range(args.runs)
                ]
                results[mode] = {
                    "shown_ms_median": median([r["shown_ms"] for r in runs]),
                    "shown_ms_max": max(r["shown_ms"] for r in runs),
                    "waterfall_max": max(r["waterfall"] for r in runs),
                    "longest_chain": max(runs, key=lambda r: r["waterfall"])["chain"],
                    "requests": runs[0]["requests"],
                    "runs": runs,
                }
            try:
                taps = [tap_to_times(tab, next(users)) for _ in range(max(3, args.runs // 3))]
            except Exception:
                tab.screenshot("bench-failed", top=False)
                raise
            results["tap_to_times_ms_median"] = median(taps)
            results["tap_to_times_ms"] = taps
    results["seconds"] = round(time.monotonic() - started, 1)
    report(results, args)


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    sizes = ", ".join(
        f"{name} {size / 1024:.1f} KB" for name, size in results["js_gzip_bytes"].items()
    )
    total = results["js_gzip_total"] / 1024
    lines = [
        f"# Mini App benchmark {stamp}",
        "",
        f"Chromium (headless, 390×844, stand-in Telegram) against the API in-process on SQLite "
        f"(demo catalogue, response cache {args.api_cache}); {args.runs} opens per mode, medians; "
        f"link `startapp=service-<id>` (opens at the service's calendar). "
        f"Total time {results['seconds']} s.",
        "",
        "| measure | result | budget | ok |",
        "|---|---:|---:|---|",
        f"| JavaScript, gzipped ({sizes}) | {total:.1f} KB | 100 KB | {yes(total <= 100)} |",
    ]
    for mode in ("cold", "warm"):
        run = results[mode]
        ok = run["shown_ms_median"] <= 1000
        lines.append(
            f"| open → free times, {mode} (max {run['shown_ms_max']:.0f} ms) | "
            f"{run['shown_ms_median']:.0f} ms | 1000 ms | {yes(ok)} |"
        )
        lines.append(
            f"| request waterfall, {mode} ({run['requests']} requests) | "
            f"{run['waterfall_max']} round trips | 3 | {yes(run['waterfall_max'] <= 3)} |"
        )
    lines.append(
        f"| tap on a specialist → free times | {results['tap_to_times_ms_median']:.0f} ms | | |"
    )
    lines += ["", "Longest chain (cold):", ""]
    lines += [f"{i}. `{name}`" for i, name in enumerate(results["cold"]["longest_chain"], 1)]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    name = dt.date.today().isoformat() + "-miniapp"
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
