//! Every case of every file in `bittensor-sdk/` (both SDK generations) and the subtensor
//! `max-upscale-u16` and `commit-hash-v2` files, compared bit for bit where the file gives bits
//! and on the error kind where it gives an error. Files are discovered, and each file's
//! `function` (or `schema`) field picks the runner.

mod common;

use common::*;
use imr_weights::call_data;
use imr_weights::chain::max_upscale;
use imr_weights::numeric::PySum;
use imr_weights::sdk10::{self, NdArray, StaticSubtensor};
use imr_weights::sdk11::{self, Preflight, PyValue, PyWeights};
use imr_weights::WeightsError;
use serde_json::Value;
use std::path::Path;

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("missing field `{name}`"))
}

/// Compare an outcome with a case's `expected`/`error`: `ok` checks the value.
fn outcome<T>(
    case: &Value,
    got: Result<T, WeightsError>,
    ok: impl FnOnce(&T, &Value) -> Result<(), String>,
) -> Result<(), String> {
    match (case.get("error"), got) {
        (Some(err), Err(e)) => same_error(&e, err),
        (Some(err), Ok(_)) => Err(format!("error: expected {}, got a result", err["type"])),
        (None, Err(e)) => Err(format!(
            "expected: a result, got error {e} ({:?})",
            e.kind()
        )),
        (None, Ok(v)) => ok(&v, field(case, "expected")?),
    }
}

fn same_error(e: &WeightsError, want: &Value) -> Result<(), String> {
    let ty = want["type"].as_str().unwrap_or("");
    if e.kind().python_name() != ty {
        return Err(format!(
            "error.type: expected {ty}, got {} ({e})",
            e.kind().python_name()
        ));
    }
    if let Some(code) = want.get("code").and_then(Value::as_str) {
        if e.chain_error_code() != Some(code) {
            return Err(format!(
                "error.code: expected {code}, got {:?}",
                e.chain_error_code()
            ));
        }
    }
    Ok(())
}

fn same_pairs(uids: &[i64], values: &[u16], want: &Value) -> Result<(), String> {
    let wu = i64s(field(want, "uids")?, "uids")?;
    let wv = u16s(field(want, "values")?, "values")?;
    if uids != wu.as_slice() {
        return Err(format!("uids: got {uids:?}, expected {wu:?}"));
    }
    if values != wv.as_slice() {
        let i = (0..values.len().min(wv.len())).find(|&i| values[i] != wv[i]);
        return Err(format!(
            "values: differ (first at {i:?}; lengths {} vs {})",
            values.len(),
            wv.len()
        ));
    }
    Ok(())
}

fn opt<T>(v: &Value, f: impl Fn(&Value) -> Result<T, String>) -> Result<Option<T>, String> {
    if v.is_null() {
        Ok(None)
    } else {
        f(v).map(Some)
    }
}

fn list_or_typed(input: &Value, name: &str) -> Result<NdArray, String> {
    let v = field(input, name)?;
    if v.is_array() {
        Ok(NdArray::PyList(f64s(v, name)?))
    } else {
        typed(v)
    }
}

fn uids_of(input: &Value) -> Result<Vec<i64>, String> {
    let v = field(input, "uids")?;
    if v.is_array() {
        i64s(v, "uids")
    } else {
        match typed(v)? {
            NdArray::Int64(u) => Ok(u),
            other => Err(format!("uids: expected int64, got {}", other.dtype())),
        }
    }
}

// ---- sdk-10.x ------------------------------------------------------------------------------

fn run_nmw(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let x = typed(field(input, "x")?)?;
    let limit = opt(field(input, "limit")?, f64_of)?;
    let got = sdk10::normalize_max_weight(&x, limit);
    outcome(case, got, |y, want| {
        same_array(y, field(want, "y")?).map_err(|e| format!("y: {e}"))
    })
}

fn run_emit(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let weights = list_or_typed(input, "weights")?;
    let uids = uids_of(input)?;
    let got = sdk10::convert_weights_and_uids_for_emit(&uids, &weights);
    outcome(case, got, |(u, v), want| same_pairs(u, v, want))
}

fn run_can(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let uids = i64s(field(input, "uids")?, "uids")?;
    let weights = f64s(field(input, "weights")?, "weights")?;
    let got = sdk10::convert_and_normalize_weights_and_uids(&uids, &weights);
    outcome(case, got, |(u, v), want| same_pairs(u, v, want))
}

fn check_processed(
    case: &Value,
    got: Result<sdk10::Processed, WeightsError>,
) -> Result<(), String> {
    outcome(case, got, |p, want| {
        let wu = match typed(field(want, "uids")?)? {
            NdArray::Int64(u) => u,
            other => return Err(format!("expected.uids dtype {}", other.dtype())),
        };
        if p.uids != wu {
            return Err(format!("uids: got {:?}, expected {:?}", p.uids, wu));
        }
        same_array(&p.weights, field(want, "weights")?).map_err(|e| format!("weights: {e}"))?;
        if let Some(branch) = case.pointer("/debug/branch").and_then(Value::as_str) {
            if p.branch.as_str() != branch {
                return Err(format!(
                    "debug.branch: got {}, expected {branch}",
                    p.branch.as_str()
                ));
            }
        }
        let emitted = sdk10::convert_weights_and_uids_for_emit(&p.uids, &p.weights);
        match (want.get("emit"), want.get("emit_error"), emitted) {
            (Some(e), _, Ok((u, v))) => same_pairs(&u, &v, e).map_err(|m| format!("emit.{m}")),
            (_, Some(err), Err(e)) => same_error(&e, err).map_err(|m| format!("emit_{m}")),
            (_, _, Ok(_)) => Err("emit: expected an error, got a payload".into()),
            (_, _, Err(e)) => Err(format!("emit: unexpected error {e}")),
        }?;
        Ok(())
    })
}

fn run_pw(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let got = sdk10::process_weights(
        &uids_of(input)?,
        &list_or_typed(input, "weights")?,
        i64_of(field(input, "num_neurons")?)?,
        opt(field(input, "min_allowed_weights")?, i64_of)?,
        opt(field(input, "max_weight_limit")?, f64_of)?,
        i64_of(field(input, "exclude_quantile")?)?,
    );
    check_processed(case, got)
}

fn run_pwn(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let chain = field(input, "chain")?;
    let n = i64_of(field(chain, "metagraph_n")?)?;
    let mut fake = StaticSubtensor {
        metagraph_n: n,
        min_allowed_weights: opt(field(chain, "MinAllowedWeights")?, i64_of)?,
        max_weights_limit_raw: opt(field(chain, "MaxWeightsLimit_raw_u16")?, |v| {
            i64_of(v).and_then(|x| u16::try_from(x).map_err(|e| e.to_string()))
        })?,
        calls: Vec::new(),
    };
    let passed = field(input, "metagraph_passed")?.as_bool().unwrap_or(true);
    let got = sdk10::process_weights_for_netuid(
        &uids_of(input)?,
        &list_or_typed(input, "weights")?,
        i64_of(field(input, "netuid")?)?,
        &mut fake,
        passed.then_some(n),
        i64_of(field(input, "exclude_quantile")?)?,
    );
    check_processed(case, got)?;
    if let Some(calls) = case.pointer("/expected/subtensor_calls") {
        let want: Vec<(String, i64)> = arr(calls, "subtensor_calls")?
            .iter()
            .map(|c| Ok((c[0].as_str().unwrap_or("").to_string(), i64_of(&c[1])?)))
            .collect::<Result<_, String>>()?;
        if fake.calls != want {
            return Err(format!(
                "subtensor_calls: got {:?}, expected {want:?}",
                fake.calls
            ));
        }
    }
    Ok(())
}

fn run_gwh(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let address = field(input, "address")?.as_str().unwrap_or("");
    let uids = i128s(field(input, "uids")?, "uids")?;
    let values = i128s(field(input, "values")?, "values")?;
    let salt = i128s(field(input, "salt")?, "salt")?;
    let netuid = i128_of(field(input, "netuid")?)?;
    let vk = i128_of(field(input, "version_key")?)?;
    let got = sdk10::generate_weight_hash(address, netuid, &uids, &values, vk, &salt);
    outcome(case, got, |h, want| {
        let w = field(want, "hash")?.as_str().unwrap_or("");
        if h != w {
            return Err(format!("hash: got {h}, expected {w}"));
        }
        // The public key the address decodes to, and the (possibly truncated) preimage.
        let key = call_data::ss58_decode(address).map_err(|e| e.to_string())?;
        if let Some(pk) = input.get("public_key").and_then(Value::as_str) {
            if hex::encode(key) != pk {
                return Err(format!(
                    "public_key: got {}, expected {pk}",
                    hex::encode(key)
                ));
            }
        }
        if let Some(pre) = case.pointer("/debug/preimage_hex").and_then(Value::as_str) {
            let to16 = |v: &[i128]| v.iter().map(|&x| x as u16).collect::<Vec<u16>>();
            let mine = call_data::commit_preimage(
                &key,
                netuid as u16,
                &to16(&uids),
                &to16(&values),
                &to16(&salt),
                vk as u64,
            );
            let mine = format!("0x{}", hex::encode(mine));
            let prefix = pre.trim_end_matches("...");
            if !mine.starts_with(prefix) {
                return Err("debug.preimage_hex: preimage differs".into());
            }
        }
        Ok(())
    })
}

fn run_cwt(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let got = sdk10::convert_weight_uids_and_vals_to_tensor(
        i64_of(field(input, "n")?)?,
        &i64s(field(input, "uids")?, "uids")?,
        &i64s(field(input, "weights")?, "weights")?,
    );
    outcome(case, got.map(NdArray::Float32), |row, want| {
        same_array(row, field(want, "row")?).map_err(|e| format!("row: {e}"))
    })
}

// ---- sdk-11.x ------------------------------------------------------------------------------

fn run_normalize(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let uids = i64s(field(input, "uids")?, "uids")?;
    let weights = f64s(field(input, "weights")?, "weights")?;
    let got = sdk11::normalize(&uids, &weights);
    outcome(case, got, |(u, v), want| {
        let u: Vec<i64> = u.iter().map(|&x| i64::from(x)).collect();
        same_pairs(&u, v, want)
    })
}

/// Compare floats with a case's `bits` (exact, NaN payload and sign included) or, where a case
/// gives only `y`, with its values (NaN equal to NaN, the sign of zero compared).
fn same_f64_bits(got: &[f64], want: &Value, what: &str) -> Result<(), String> {
    let bits: Vec<u64> = match want.get("bits") {
        Some(b) => arr(b, "bits")?
            .iter()
            .map(|b| {
                let s = b.as_str().unwrap_or("");
                u64::from_str_radix(s.trim_start_matches("0x"), 16)
                    .map_err(|e| format!("bits {s:?}: {e}"))
            })
            .collect::<Result<_, _>>()?,
        None => f64s(field(want, "y")?, "y")?
            .iter()
            .map(|x| {
                if x.is_nan() {
                    f64::NAN.to_bits()
                } else {
                    x.to_bits()
                }
            })
            .collect(),
    };
    let exact = want.get("bits").is_some();
    let g: Vec<u64> = got
        .iter()
        .map(|x| {
            if x.is_nan() && !exact {
                f64::NAN.to_bits()
            } else {
                x.to_bits()
            }
        })
        .collect();
    if g.len() != bits.len() {
        return Err(format!(
            "{what}: length {} != expected {}",
            g.len(),
            bits.len()
        ));
    }
    if let Some(i) = (0..g.len()).find(|&i| g[i] != bits[i]) {
        return Err(format!(
            "{what}: bits differ at {i}: {:#x} vs {:#x}",
            g[i], bits[i]
        ));
    }
    Ok(())
}

fn run_clip(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let weights = f64s(field(input, "weights")?, "weights")?;
    let limit = f64_of(field(input, "limit")?)?;
    let got = sdk11::clip_to_max_weight(&weights, limit);
    outcome(case, got, |y, want| same_f64_bits(y, want, "y"))?;
    // CPython 3.12+ (compensated sum()): the alternative result where the file records one.
    if let Some(py312) = case.get("expected_py312") {
        let y = sdk11::clip_to_max_weight_with(&weights, limit, PySum::Py312)
            .map_err(|e| format!("expected_py312: unexpected error {e}"))?;
        same_f64_bits(&y, py312, "expected_py312.y")?;
    }
    Ok(())
}

fn run_conform(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let pf = field(input, "preflight")?;
    let preflight = Preflight {
        uid: i64_of(field(pf, "uid")?)?,
        commit_reveal: field(pf, "commit_reveal")?.as_bool().unwrap_or(false),
        min_allowed_weights: i64_of(field(pf, "min_allowed_weights")?)?,
        max_weight_limit: i64_of(field(pf, "max_weight_limit")?)?,
    };
    let got = sdk11::conform(
        &i64s(field(input, "uids")?, "uids")?,
        &f64s(field(input, "weights")?, "weights")?,
        &preflight,
        i64_of(field(input, "netuid")?)?,
        field(input, "raw_u16")?.as_bool().unwrap_or(false),
    );
    outcome(case, got, |(u, v), want| {
        let u: Vec<i64> = u.iter().map(|&x| i64::from(x)).collect();
        same_pairs(&u, v, want)
    })
}

fn py_value(v: &Value) -> PyValue {
    match v {
        Value::Null => PyValue::None,
        Value::Bool(b) => PyValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => PyValue::Int(i),
            None => PyValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => PyValue::Str(s.clone()),
        other => PyValue::Str(other.to_string()),
    }
}

fn run_as_pairs(case: &Value) -> Result<(), String> {
    let input = field(case, "input")?;
    let uids: Option<Vec<PyValue>> = match field(input, "uids")? {
        Value::Null => None,
        v => Some(arr(v, "uids")?.iter().map(py_value).collect()),
    };
    let w = field(input, "weights")?;
    let weights = match w {
        Value::Null => PyWeights::None,
        Value::Object(map) => {
            let types: Vec<&str> = input
                .get("mapping_key_types")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let key = |k: &str, ty: &str| match ty {
                "int" => k
                    .parse::<i64>()
                    .map(PyValue::Int)
                    .unwrap_or(PyValue::Str(k.into())),
                _ => PyValue::Str(k.into()),
            };
            // `mapping_key_types` lists the key types present: one type for all keys, or, for
            // keys that collide in JSON (`1` and `"1"`), one JSON key standing for several.
            let items: Vec<(PyValue, PyValue)> = if types.len() <= 1 {
                let t = types.first().copied().unwrap_or("str");
                map.iter().map(|(k, v)| (key(k, t), py_value(v))).collect()
            } else if map.len() == 1 {
                let (k, v) = map.iter().next().ok_or("empty mapping")?;
                types.iter().map(|t| (key(k, t), py_value(v))).collect()
            } else {
                return Err("mapping_key_types does not match the mapping".into());
            };
            PyWeights::Mapping(items)
        }
        v => PyWeights::List(arr(v, "weights")?.iter().map(py_value).collect()),
    };
    let got = sdk11::as_pairs(uids.as_deref(), &weights);
    outcome(case, got, |(u, w), want| {
        let wu = i64s(field(want, "uids")?, "uids")?;
        let ww = f64s(field(want, "weights")?, "weights")?;
        if *u != wu {
            return Err(format!("uids: got {u:?}, expected {wu:?}"));
        }
        if w.iter()
            .map(|x| x.to_bits())
            .ne(ww.iter().map(|x| x.to_bits()))
        {
            return Err(format!("weights: got {w:?}, expected {ww:?}"));
        }
        Ok(())
    })
}

/// A per-case runner.
type Runner = fn(&Value) -> Result<(), String>;

fn runner(function: &str) -> Option<Runner> {
    Some(match function {
        "normalize_max_weight" => run_nmw,
        "convert_weights_and_uids_for_emit" => run_emit,
        "convert_and_normalize_weights_and_uids" => run_can,
        "process_weights" => run_pw,
        "process_weights_for_netuid" => run_pwn,
        "generate_weight_hash" => run_gwh,
        "convert_weight_uids_and_vals_to_tensor" => run_cwt,
        "normalize" => run_normalize,
        "clip_to_max_weight" => run_clip,
        "_conform" | "conform" => run_conform,
        "_as_pairs" | "as_pairs" => run_as_pairs,
        _ => return None,
    })
}

fn check_sdk_files(files: &[std::path::PathBuf], report: &mut Report) {
    for path in files {
        let doc = load(path);
        let function = doc["function"].as_str().unwrap_or("");
        let Some(run) = runner(function) else {
            report.check(
                path,
                "-",
                Err(format!("no runner for function {function:?}")),
            );
            continue;
        };
        let cases = doc["cases"].as_array().cloned().unwrap_or_default();
        if let Some(n) = doc["case_count"].as_u64() {
            if n as usize != cases.len() {
                report.check(
                    path,
                    "-",
                    Err(format!("case_count {n} != {} cases", cases.len())),
                );
            }
        }
        for case in &cases {
            let id = case["id"].as_str().unwrap_or("?");
            report.check(path, id, run(case));
        }
    }
}

#[test]
fn bittensor_sdk_vectors() {
    let files = vector_files("bittensor-sdk", true);
    assert!(!files.is_empty(), "no vector files under bittensor-sdk/");
    let mut report = Report::default();
    check_sdk_files(&files, &mut report);
    report.finish("bittensor-sdk");
}

/// imr's own cases in the public layout (`tests/data/bittensor-sdk/`), run by the same harness:
/// non-finite `clip_to_max_weight` inputs, with CPython 3.11's results
/// (`tests/data/gen_clip_nonfinite.py`).
#[test]
fn own_sdk_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bittensor-sdk");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .flat_map(|sub| {
            std::fs::read_dir(&sub)
                .unwrap_or_else(|e| panic!("{}: {e}", sub.display()))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect::<Vec<_>>()
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no own cases under {}", dir.display());
    let mut report = Report::default();
    check_sdk_files(&files, &mut report);
    report.finish("own bittensor-sdk cases");
}

fn check_max_upscale(path: &Path, doc: &Value, report: &mut Report) {
    for (i, case) in doc["cases"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let r = (|| {
            let input = u16s(field(case, "input")?, "input")?;
            let want = u16s(field(case, "expected")?, "expected")?;
            let got = max_upscale(&input);
            if got != want {
                return Err(format!("expected: got {got:?}, expected {want:?}"));
            }
            Ok(())
        })();
        report.check(path, &format!("case {i}"), r);
    }
}

fn check_commit_hash(path: &Path, doc: &Value, report: &mut Report) {
    for (i, case) in doc["cases"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let r = (|| {
            let key = call_data::parse_hotkey(
                field(case, "hotkey_account_id_hex")?.as_str().unwrap_or(""),
            )
            .map_err(|e| format!("hotkey_account_id_hex: {e}"))?;
            let netuid =
                u16::try_from(i64_of(field(case, "netuid")?)?).map_err(|e| e.to_string())?;
            let mecid = u8::try_from(i64_of(field(case, "mecid")?)?).map_err(|e| e.to_string())?;
            let index = call_data::netuid_index(netuid, mecid).ok_or("netuid_index overflow")?;
            let want_index = i64_of(field(case, "netuid_index")?)?;
            if i64::from(index) != want_index {
                return Err(format!("netuid_index: got {index}, expected {want_index}"));
            }
            let uids = u16s(field(case, "uids")?, "uids")?;
            let values = u16s(field(case, "values")?, "values")?;
            let salt = u16s(field(case, "salt")?, "salt")?;
            let vk =
                u64::try_from(i128_of(field(case, "version_key")?)?).map_err(|e| e.to_string())?;
            let pre = call_data::commit_preimage(&key, index, &uids, &values, &salt, vk);
            let want_pre = field(case, "scale_encoded_preimage_hex")?
                .as_str()
                .unwrap_or("");
            if hex::encode(&pre) != want_pre.trim_start_matches("0x") {
                return Err("scale_encoded_preimage_hex: differs".into());
            }
            let hash = call_data::commit_hash_v2(&key, index, &uids, &values, &salt, vk);
            let want = field(case, "expected_commit_hash_hex")?
                .as_str()
                .unwrap_or("");
            if format!("0x{}", hex::encode(hash)) != want {
                return Err(format!(
                    "expected_commit_hash_hex: got 0x{}",
                    hex::encode(hash)
                ));
            }
            Ok(())
        })();
        report.check(path, &format!("case {i}"), r);
    }
}

#[test]
fn subtensor_vectors() {
    let files = vector_files("subtensor", false);
    let mut report = Report::default();
    let mut seen = 0;
    for path in &files {
        let doc = load(path);
        match doc["schema"].as_str().unwrap_or("") {
            "subtensor-vectors/max-upscale-u16/v1" => check_max_upscale(path, &doc, &mut report),
            "subtensor-vectors/commit-hash-v2/v1" => check_commit_hash(path, &doc, &mut report),
            // epoch/median files belong to the Yuma simulator's tests.
            _ => continue,
        }
        seen += 1;
    }
    assert!(seen >= 2, "max-upscale/commit-hash files not found");
    report.finish("subtensor");
}
