"""Every exception class is raised (or carried by a failed run) by the case that should raise it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import imr

from conftest import REPO, small_epoch


@pytest.fixture(scope="module")
def hostile(hostile_bytes):
    return imr.Mechanism.from_bytes(hostile_bytes, cache=False)


def failed(mechanism, params, cls):
    """Runs the hostile guest in `params` mode; checks the run failed with `cls` and still has a receipt."""
    run = mechanism.run(small_epoch(params))
    assert not run.ok
    assert type(run.error) is cls, run.error
    assert isinstance(run.error, imr.RunFailed) and isinstance(run.error, imr.ImrError)
    assert run.receipt["error"]["kind"] == run.error.kind == run.error.details["kind"]
    assert run.receipt["weights"] is None and run.receipt["outcome"] is None
    assert run.uids.size == 0 and run.weights.size == 0 and run.state is None
    with pytest.raises(cls) as raised:
        run.raise_for_error()
    assert str(raised.value) == str(run.error)
    return run.error


def test_a_run_that_succeeds_has_no_error(hostile):
    run = hostile.run(small_epoch({"mode": "ok"}))
    assert run.ok and run.error is None and run.raise_for_error() is run
    assert run.log == [("info", "count 0")]
    assert json.loads(run.state) == 1


def test_out_of_fuel(hostile_bytes):
    m = imr.Mechanism.from_bytes(hostile_bytes, fuel=5_000_000, cache=False)
    e = failed(m, {"mode": "loop"}, imr.OutOfFuel)
    assert e.limit == 5_000_000 and e.deterministic


def test_memory_limit(hostile_bytes):
    m = imr.Mechanism.from_bytes(hostile_bytes, memory_mib=16, cache=False)
    e = failed(m, {"mode": "alloc"}, imr.MemoryLimit)
    assert e.limit == 16 << 20 and e.requested > e.limit


def test_deep_recursion_hits_the_logical_stack_limit(hostile):
    e = failed(hostile, {"mode": "recurse_native", "size": 100_000_000}, imr.StackLimit)
    assert e.deterministic and e.limit > 0 and e.kind == "stack_limit"


def test_trap_carries_the_guest_panic_message(hostile):
    e = failed(hostile, {"mode": "panic"}, imr.Trap)
    assert e.panic_message is not None and "mechanism gave up on netuid 3" in e.panic_message


def test_invalid_output(hostile):
    e = failed(hostile, {"mode": "nan"}, imr.InvalidOutput)
    assert e.uid == 1 and e.kind == "invalid_output"
    e = failed(hostile, {"mode": "unknown_uid"}, imr.InvalidOutput)
    assert e.uid == 999


def test_mechanism_invalid_input_names_the_field(hostile):
    e = failed(hostile, {"mode": "invalid_input"}, imr.MechanismInvalidInput)
    assert e.reason == "task.prices[3]: must be > 0"


def test_mechanism_failed(hostile):
    e = failed(hostile, {"mode": "failed"}, imr.MechanismFailed)
    assert e.reason == "no usable responses at block 100"


def test_deterministic_failures_are_logged_and_chained(hostile, tmp_path):
    with imr.RunLog.open(tmp_path / "log") as log:
        assert log.append(hostile, small_epoch({"mode": "ok"})).seq == 0
        # The logical stack limit is a deterministic result: logged (a native
        # stack overflow, no result, cannot be reached through the instrumented component).
        deep = log.append(hostile, small_epoch({"mode": "recurse_native", "size": 100_000_000}))
        assert isinstance(deep.error, imr.StackLimit) and deep.seq == 1
        trapped = log.append(hostile, small_epoch({"mode": "panic"}))
        assert isinstance(trapped.error, imr.Trap) and trapped.seq == 2
        assert len(log) == 3


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d.pop("block"), "."),
        (lambda d: d.update(seed="00" * 31), "seed"),
        (lambda d: d["neurons"].append({"uid": 0, "hotkey": "again", "registered_at_block": 0}), "neurons[4].uid"),
        (lambda d: d["neurons"][2].update(stake=-1.0), "neurons[2].stake"),
        (lambda d: d["neurons"][1].update(colour="red"), "neurons[1].colour"),
        (lambda d: d.update(task={"prices": [1.0, float("nan")]}), "task.prices[1]"),
        (lambda d: d.update(params={"when": object()}), "params.when"),
        (lambda d: d.update(responses=[{"uid": 9, "payload": {}}]), "responses[0].uid"),
    ],
)
def test_invalid_epoch_names_the_field(change, field):
    d = {
        "netuid": 3,
        "block": 100,
        "seed": "01" * 32,
        "neurons": [{"uid": u, "hotkey": f"h{u}", "registered_at_block": 0} for u in range(4)],
    }
    imr.Epoch.from_dict(d)  # the base epoch is valid
    change(d)
    with pytest.raises(imr.InvalidEpoch) as raised:
        imr.Epoch.from_dict(d)
    assert raised.value.field == field, raised.value
    assert field in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_invalid_epoch_file_names_the_file(tmp_path):
    path = tmp_path / "e.json"
    path.write_text('{"netuid": 1, "block": 1, "seed": "zz", "neurons": []}')
    with pytest.raises(imr.InvalidEpoch) as raised:
        imr.Epoch.from_json(path)
    assert raised.value.field == "seed" and raised.value.path == str(path)
    assert str(path) in str(raised.value)


def test_invalid_epoch_from_constructor_arguments():
    with pytest.raises(imr.InvalidEpoch) as raised:
        imr.Epoch(netuid=1, block=1, seed=b"short", neurons=[])
    assert raised.value.field == "seed"


def test_load_error():
    with pytest.raises(imr.LoadError, match="not a WebAssembly binary"):
        imr.Mechanism.from_bytes(b"not wasm at all", cache=False)
    with pytest.raises(imr.LoadError, match="core wasm module"):
        imr.Mechanism.from_bytes(b"\0asm\x01\0\0\0", cache=False)
    with pytest.raises(imr.LoadError, match="cannot read component"):
        imr.Mechanism.load(REPO / "no-such-file.wasm", cache=False)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def component_importing(names):
    """A component that only imports empty instances under `names` (component binary format)."""
    section = lambda sid, body: bytes([sid]) + _leb(len(body)) + body  # noqa: E731
    types = _leb(len(names)) + b"\x42\x00" * len(names)  # instance types with no declarations
    imports = _leb(len(names)) + b"".join(
        b"\x00" + _leb(len(n)) + n.encode() + b"\x05" + _leb(i) for i, n in enumerate(names)
    )
    return b"\0asm\x0d\x00\x01\x00" + section(7, types) + section(10, imports)


def test_forbidden_imports_are_all_named():
    names = ["wasi:clocks/wall-clock@0.2.6", "wasi:random/random@0.2.6"]
    with pytest.raises(imr.ForbiddenImports) as raised:
        imr.Mechanism.from_bytes(component_importing(names), cache=False)
    assert raised.value.imports == names
    assert isinstance(raised.value, imr.LoadError)


def test_weights_refused():
    # imr refuses before the SDK code would run...
    with pytest.raises(imr.WeightsRefused) as raised:
        imr.weights.process([0, 1, 2], [1.0, 2.0], sdk=10)
    assert raised.value.python_error == "InvalidInput"
    assert "position 2 has no partner" in str(raised.value)
    # ...or where the SDK itself raises (min() of an empty sequence).
    with pytest.raises(imr.WeightsRefused) as raised:
        imr.weights.process([], [], sdk=10)
    assert raised.value.python_error == "ValueError"
    assert isinstance(raised.value, ValueError)


def test_log_error(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(imr.LogError):
        imr.RunLog.open(not_a_dir)
    with pytest.raises(imr.LogError, match="not an imr run log"):
        imr.verify(tmp_path)
    (tmp_path / "stranger").mkdir()
    (tmp_path / "stranger" / "notes.txt").write_text("mine")
    with pytest.raises(imr.LogError):
        imr.RunLog.open(tmp_path / "stranger")


def test_a_second_appender_is_refused(tmp_path):
    with imr.RunLog.open(tmp_path / "log"):
        with pytest.raises(imr.LogError, match="locked"):
            imr.RunLog.open(tmp_path / "log")
    imr.RunLog.open(tmp_path / "log").close()  # released


def test_yuma_error_names_the_field():
    with pytest.raises(imr.YumaError, match="stake"):
        imr.yuma.epoch({"params": {}, "input": {"current_block": 1}})
    with pytest.raises(imr.YumaError, match="validator_permit"):
        imr.yuma.epoch({"input": {"current_block": 1, "stake": [1, 2], "validator_permit": [True]}})


def test_bad_arguments_raise_value_or_type_errors(hostile):
    epoch = small_epoch({"mode": "ok"})
    with pytest.raises(ValueError, match="sdk"):
        hostile.run(epoch, sdk=12)
    with pytest.raises(ValueError, match="previous"):
        hostile.run(epoch, previous="abc")
    with pytest.raises(TypeError):
        hostile.run({"netuid": 1})
    with pytest.raises(ValueError, match="engine"):
        imr.Mechanism.from_bytes(b"", engine="v8")
    with pytest.raises(ValueError, match="uids"):
        imr.weights.process(np.array([-1, 2]), [1.0, 1.0])
    with pytest.raises(ValueError, match="chain parameters"):
        imr.weights.process([0], [1.0], no_such_param=1)
