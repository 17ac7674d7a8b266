"""Every transcript in protocol/golden/, replayed through this client's own transport."""
import glob
import json
import os

import pytest

from customer_sync import Transport
from conftest import GOLDEN


def load(path):
    args, framings, exchanges = [], ["ndjson", "content-length"], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f.read().split("\n"), 1):
            if line.startswith("#! args:"):
                args += line[len("#! args:"):].split()
            elif line.startswith("#! framing:"):
                framings = [line[len("#! framing:"):].strip()]
            elif line.startswith("--> "):
                exchanges.append((number, line[4:], []))
            elif line.startswith("<-- "):
                exchanges[-1][2].append((number, line[4:]))
    return args, framings, exchanges


def matches(expected, actual, path="$"):
    if expected == "<any>":
        return None
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in expected:
                return f"{path}.{key}: unexpected member"
            if key not in actual:
                return f"{path}.{key}: missing"
            problem = matches(expected[key], actual[key], f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(actual)} elements, expected {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            problem = matches(e, a, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if type(expected) is not type(actual) and not (isinstance(expected, (int, float)) and isinstance(actual, (int, float))):
        return f"{path}: {actual!r}, expected {expected!r}"
    return None if expected == actual else f"{path}: {actual!r}, expected {expected!r}"


CASES = [(os.path.basename(p), framing) for p in sorted(glob.glob(os.path.join(GOLDEN, "*.transcript")))
         for framing in load(p)[1]]


@pytest.mark.parametrize("name,framing", CASES)
def test_replay(binary, name, framing):
    args, _, exchanges = load(os.path.join(GOLDEN, name))
    transport = Transport(db=":memory:", binary=binary, framing=framing, args=args)
    transport.raw_mode()
    for _, text, replies in exchanges:
        transport.send_raw(text)
        for number, expected in replies:
            actual = transport.receive_raw(timeout=30)
            assert actual is not None, f"{name}:{number}: the server ended"
            problem = matches(json.loads(expected), actual)
            assert problem is None, f"{name}:{number}: {problem}\n  got: {json.dumps(actual, ensure_ascii=False)[:500]}"
    transport.process.stdin.close()
    assert transport.process.wait(timeout=30) == 0
    assert transport.receive_raw(timeout=10) is None, "no output after the last reply"
