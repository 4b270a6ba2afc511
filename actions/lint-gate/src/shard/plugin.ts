// The pytest plugin lint-gate loads for `shard: K/N` (written to a temp directory, `-p deploy_kit_shard`).
// Python source, kept here so the bundle carries it.
export const SHARD_PLUGIN_MODULE = 'deploy_kit_shard';

export const SHARD_PLUGIN = String.raw`"""deploy-kit lint-gate's shard plugin: runs one shard of the suite and records what it did.

Loaded with "-p deploy_kit_shard" by lint-gate ("shard: K/N"). After every other plugin has
deselected what it wants (-k, -m), the remaining tests are split into N shards: by recorded
durations (longest first onto the least loaded shard) when DEPLOY_KIT_SHARD_DURATIONS names a
JSON object {node id: seconds}, else whole files weighted by their test count. Ties break on the
node id, so the split depends only on the collected ids and the durations. Only shard K's tests
run, in collection order. At the end DEPLOY_KIT_SHARD_REPORT receives a JSON record: the shard,
a hash of every collected id, the ids it was assigned and each test's outcome and duration.
"""

import hashlib
import json
import os

import pytest

_state = {"collected": [], "assigned": [], "positions": [], "results": {}, "mode": "", "spec": None}


def _spec():
    index, total = os.environ["DEPLOY_KIT_SHARD"].split("/")
    return int(index), int(total)


def _durations():
    path = os.environ.get("DEPLOY_KIT_SHARD_DURATIONS", "")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float)) and v >= 0}


def _units(ids, durations):
    """The units to place and their weights: tests with durations, else whole files by count."""
    files = {}
    for nodeid in ids:
        files.setdefault(nodeid.split("::", 1)[0], []).append(nodeid)
    if not any(nodeid in durations for nodeid in ids):
        return {f: (len(members), members) for f, members in files.items()}, "test count per file"
    known = [durations[i] for i in ids if i in durations]
    mean = sum(known) / len(known)
    units = {}
    for members in files.values():
        file_known = [durations[i] for i in members if i in durations]
        guess = sum(file_known) / len(file_known) if file_known else mean
        for nodeid in members:
            units[nodeid] = (round(durations.get(nodeid, guess), 6), [nodeid])
    return units, "recorded durations"


def split(ids, durations, total, lint_seconds=0.0):
    """Shard index (0-based) of every id: longest unit first onto the least loaded shard.

    With durations, shard 1 starts loaded with the time its lint tools took last time."""
    units, mode = _units(ids, durations)
    loads = [0.0] * total
    if mode == "recorded durations":
        loads[0] = lint_seconds
    owner = {}
    for key in sorted(units, key=lambda k: (-units[k][0], k)):
        shard = min(range(total), key=lambda s: (loads[s], s))
        loads[shard] += units[key][0]
        for nodeid in units[key][1]:
            owner[nodeid] = shard
    return owner, mode


def pytest_configure(config):
    # pytest-xdist's controller collects nothing: it could not record the split it runs.
    if getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "lint-gate's shard: K/N cannot run with pytest-xdist (-n): give each shard its own job instead"
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    index, total = _spec()
    ids = [item.nodeid for item in items]
    lint_seconds = float(os.environ.get("DEPLOY_KIT_SHARD_LINT_SECONDS") or 0)
    owner, mode = split(ids, _durations(), total, lint_seconds)
    keep = [item for item in items if owner[item.nodeid] == index - 1]
    positions = [n for n, item in enumerate(items) if owner[item.nodeid] == index - 1]
    drop = [item for item in items if owner[item.nodeid] != index - 1]
    _state.update(collected=ids, assigned=[i.nodeid for i in keep], positions=positions, mode=mode, spec=(index, total))
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def pytest_runtest_logreport(report):
    entry = _state["results"].setdefault(report.nodeid, {"outcome": "passed", "seconds": 0.0})
    entry["seconds"] += getattr(report, "duration", 0.0) or 0.0
    if report.failed:
        outcome = "failed" if report.when == "call" else "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        outcome = "passed"
    if _RANK[outcome] > _RANK[entry["outcome"]]:
        entry["outcome"] = outcome


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    # A shard that was given no tests (more shards than tests) ran all it had to.
    if _state["spec"] and not _state["assigned"] and int(exitstatus) == 5:
        session.exitstatus = 0
    index, total = _state["spec"] or _spec()
    record = {
        "index": index,
        "total": total,
        "collected": len(_state["collected"]),
        "collectionSha256": hashlib.sha256("\n".join(_state["collected"]).encode()).hexdigest(),
        "split": _state["mode"],
        "assigned": _state["assigned"],
        "positions": _state["positions"],
        "results": _state["results"],
        "exitStatus": int(session.exitstatus),
    }
    with open(os.environ["DEPLOY_KIT_SHARD_REPORT"], "w", encoding="utf-8") as f:
        json.dump(record, f)
`;
