//! Reading one rank's description from JSON: keys and value types, each
//! problem reported as its own [`Rule`]. The semantic rules follow in
//! [`check_rank`](super::check_rank).

use super::{DimDict, VERSION};
use crate::dtype::Element;
use crate::error::{Error, Result, Rule};
use crate::map::DistType;
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use serde_json::{Map, Value};

const REQUIRED_TOP: [&str; 3] = ["__version__", "buffer", "dim_data"];
const OPTIONAL_TOP: [&str; 2] = ["buffer_shape", "buffer_dtype"];
const COMMON_DIM: [&str; 4] = ["dist_type", "size", "proc_grid_size", "proc_grid_rank"];

/// A rank's description as read from JSON.
///
/// # Examples
///
/// ```
/// use distarray_core::protocol::parse_rank;
/// use distarray_core::Rule;
/// use serde_json::json;
/// let description = json!({"__version__": "0.10.0", "buffer": [[1.5, 2.5]],
///     "dim_data": [{}, {"dist_type": "b", "size": 2, "proc_grid_rank": 0,
///                       "proc_grid_size": 1, "start": 0, "stop": 2}]});
/// let parsed = parse_rank::<f64>(&description, 0).unwrap();
/// assert_eq!(parsed.buffer.shape(), &[1, 2]);
/// assert_eq!(parsed.dim_data[0].size, 1); // `{}`: not distributed, size from the buffer
///
/// let old = json!({"__version__": "0.9.0", "buffer": [], "dim_data": []});
/// assert_eq!(parse_rank::<f64>(&old, 0).unwrap_err().rule(), Some(Rule::UnsupportedVersion));
/// ```
#[derive(Debug, Clone)]
pub struct RankDescription<T> {
    /// The `__version__` string.
    pub version: String,
    /// The dimension dictionaries.
    pub dim_data: Vec<DimDict>,
    /// The buffer.
    pub buffer: ArrayD<T>,
}

/// Reads one rank's description (`rank` is used in error messages).
///
/// Checks the top-level keys, the version, every dimension dictionary's keys
/// and value types, and that the buffer is a well-formed nested list of `T`
/// agreeing with `buffer_shape` and `buffer_dtype` when those are present.
/// An empty dimension dictionary `{}` is the protocol's alias for an axis
/// that is not distributed.
pub fn parse_rank<T: Element>(v: &Value, rank: usize) -> Result<RankDescription<T>> {
    let err = |rule, dim, detail: String| Error::protocol(rule, Some(rank), dim, detail);
    let obj = v.as_object().ok_or_else(|| {
        err(
            Rule::MalformedDescription,
            None,
            "a description must be a JSON object".into(),
        )
    })?;
    let missing: Vec<&str> = REQUIRED_TOP
        .iter()
        .copied()
        .filter(|k| !obj.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(err(
            Rule::MissingTopLevelKeys,
            None,
            format!("missing {missing:?}"),
        ));
    }
    let extra: Vec<&String> = obj
        .keys()
        .filter(|k| !REQUIRED_TOP.contains(&k.as_str()) && !OPTIONAL_TOP.contains(&k.as_str()))
        .collect();
    if !extra.is_empty() {
        return Err(err(
            Rule::ExtraTopLevelKeys,
            None,
            format!("unknown keys {extra:?}"),
        ));
    }
    let version = match &obj["__version__"] {
        Value::String(s) if s == VERSION => s.clone(),
        other => {
            return Err(err(
                Rule::UnsupportedVersion,
                None,
                format!("__version__ is {other}, this importer reads \"{VERSION}\""),
            ))
        }
    };
    let dims = obj["dim_data"].as_array().ok_or_else(|| {
        err(
            Rule::MalformedDescription,
            None,
            "dim_data must be a list".into(),
        )
    })?;
    let shape_hint = match obj.get("buffer_shape") {
        None => None,
        Some(s) => Some(usize_list(s).ok_or_else(|| {
            err(
                Rule::BufferShapeMismatch,
                None,
                format!("buffer_shape {s} is not a list of sizes"),
            )
        })?),
    };
    if let Some(dt) = obj.get("buffer_dtype") {
        if dt.as_str() != Some(T::DTYPE.numpy_name()) {
            return Err(err(
                Rule::BufferDtypeMismatch,
                None,
                format!("buffer_dtype is {dt} but {} is being imported", T::DTYPE),
            ));
        }
    }
    let buffer = buffer_from_json::<T>(&obj["buffer"], shape_hint.as_deref())
        .map_err(|(rule, detail)| err(rule, None, detail))?;
    let dim_data = parse_dim_data(dims, buffer.shape(), rank)?;
    Ok(RankDescription {
        version,
        dim_data,
        buffer,
    })
}

/// Reads `dim_data` (a list of dimension dictionaries) for a buffer of
/// `buffer_shape`: keys and value types; the empty-dict alias gets its size
/// from the buffer.
pub fn parse_dim_data(dims: &[Value], buffer_shape: &[usize], rank: usize) -> Result<Vec<DimDict>> {
    dims.iter()
        .enumerate()
        .map(|(dim, d)| {
            parse_dim(d, buffer_shape.get(dim).copied())
                .map_err(|(rule, detail)| Error::protocol(rule, Some(rank), Some(dim), detail))
        })
        .collect()
}

type Problem = (Rule, String);

fn parse_dim(v: &Value, extent: Option<usize>) -> std::result::Result<DimDict, Problem> {
    let obj = v.as_object().ok_or((
        Rule::MalformedDescription,
        format!("dimension entry {v} is not an object"),
    ))?;
    if obj.is_empty() {
        // the protocol's alias for an undistributed axis: size from the buffer
        let size = extent.unwrap_or(0);
        return Ok(DimDict {
            dist_type: DistType::Block,
            size,
            proc_grid_rank: 0,
            proc_grid_size: 1,
            start: Some(0),
            stop: Some(size),
            padding: None,
            periodic: None,
            block_size: None,
            indices: None,
            one_to_one: None,
        });
    }
    let dist_type = match obj.get("dist_type") {
        None => return Err((Rule::MissingDimKeys, "missing [\"dist_type\"]".into())),
        Some(Value::String(s)) if s == "b" => DistType::Block,
        Some(Value::String(s)) if s == "c" => DistType::Cyclic,
        Some(Value::String(s)) if s == "u" => DistType::Unstructured,
        Some(other) => {
            return Err((
                Rule::DistTypeInvalid,
                format!("dist_type {other} is not \"b\", \"c\" or \"u\""),
            ))
        }
    };
    let (required, optional): (&[&str], &[&str]) = match dist_type {
        DistType::Block => (&["start", "stop"], &["padding", "periodic"]),
        DistType::Cyclic => (&["start"], &["block_size"]),
        DistType::Unstructured => (&["indices"], &["one_to_one"]),
    };
    let missing: Vec<&str> = COMMON_DIM
        .iter()
        .chain(required)
        .copied()
        .filter(|k| !obj.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err((Rule::MissingDimKeys, format!("missing {missing:?}")));
    }
    let extra: Vec<&String> = obj
        .keys()
        .filter(|k| {
            let k = k.as_str();
            !COMMON_DIM.contains(&k) && !required.contains(&k) && !optional.contains(&k)
        })
        .collect();
    if !extra.is_empty() {
        return Err((
            Rule::ExtraDimKeys,
            format!(
                "unknown keys {extra:?} for dist_type {:?}",
                dist_type.letter()
            ),
        ));
    }
    let size = non_negative(obj, "size", Rule::SizeNegative)?;
    let proc_grid_size = integer(obj, "proc_grid_size")?;
    if proc_grid_size < 1 {
        return Err((
            Rule::ProcGridSizeLt1,
            format!("proc_grid_size is {proc_grid_size}"),
        ));
    }
    let proc_grid_rank = integer(obj, "proc_grid_rank")?;
    if proc_grid_rank < 0 || proc_grid_rank >= proc_grid_size {
        return Err((
            Rule::ProcGridRankOutOfRange,
            format!("proc_grid_rank {proc_grid_rank} is not in 0..{proc_grid_size}"),
        ));
    }
    let mut d = DimDict {
        dist_type,
        size,
        proc_grid_rank: proc_grid_rank as usize,
        proc_grid_size: proc_grid_size as usize,
        start: None,
        stop: None,
        padding: None,
        periodic: None,
        block_size: None,
        indices: None,
        one_to_one: None,
    };
    match dist_type {
        DistType::Block => {
            d.start = Some(non_negative(obj, "start", Rule::StartNegative)?);
            let stop = integer(obj, "stop")?;
            if stop < d.start.unwrap() as i64 {
                return Err((
                    Rule::StopLtStart,
                    format!("stop {stop} is below start {}", d.start.unwrap()),
                ));
            }
            d.stop = Some(stop as usize);
            if let Some(p) = obj.get("padding") {
                let pair = usize_list(p).filter(|l| l.len() == 2).ok_or((
                    Rule::PaddingNotPairOfInts,
                    format!("padding {p} is not a pair of non-negative integers"),
                ))?;
                d.padding = Some([pair[0], pair[1]]);
            }
            if let Some(p) = obj.get("periodic") {
                d.periodic = Some(
                    p.as_bool()
                        .ok_or((Rule::PeriodicNotBool, format!("periodic is {p}")))?,
                );
            }
        }
        DistType::Cyclic => {
            d.start = Some(non_negative(obj, "start", Rule::StartNegative)?);
            if obj.contains_key("block_size") {
                let b = integer(obj, "block_size")?;
                if b < 1 {
                    return Err((Rule::BlockSizeLt1, format!("block_size is {b}")));
                }
                d.block_size = Some(b as usize);
            }
        }
        DistType::Unstructured => {
            let ix = &obj["indices"];
            d.indices = Some(usize_list(ix).ok_or((
                Rule::IndicesOutOfRange,
                "indices must be a list of non-negative integers".to_string(),
            ))?);
            if let Some(p) = obj.get("one_to_one") {
                d.one_to_one = Some(
                    p.as_bool()
                        .ok_or((Rule::OneToOneNotBool, format!("one_to_one is {p}")))?,
                );
            }
        }
    }
    Ok(d)
}

fn integer(obj: &Map<String, Value>, key: &str) -> std::result::Result<i64, Problem> {
    obj[key].as_i64().ok_or((
        Rule::WrongValueType,
        format!("{key} is {}, not an integer", obj[key]),
    ))
}

fn non_negative(
    obj: &Map<String, Value>,
    key: &str,
    rule: Rule,
) -> std::result::Result<usize, Problem> {
    let x = integer(obj, key)?;
    usize::try_from(x).map_err(|_| (rule, format!("{key} is {x}")))
}

fn usize_list(v: &Value) -> Option<Vec<usize>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_u64().map(|u| u as usize))
        .collect()
}

/// Reads a buffer from nested JSON lists. `shape` (the description's
/// `buffer_shape`), when given, must agree with the nesting; it is what
/// tells an empty `(0, 3)` buffer from an empty `(0,)` one. A bare number
/// is a 0-d buffer.
pub fn buffer_from_json<T: Element>(
    v: &Value,
    shape: Option<&[usize]>,
) -> std::result::Result<ArrayD<T>, (Rule, String)> {
    let mut inferred = Vec::new();
    let mut cur = v;
    while let Value::Array(items) = cur {
        inferred.push(items.len());
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    let shape: Vec<usize> = match shape {
        Some(s) => {
            let empty = s.iter().product::<usize>() == 0;
            let agrees = if empty {
                inferred.len() <= s.len()
                    && inferred.iter().zip(s).all(|(a, b)| a == b)
                    && inferred.last() == Some(&0)
            } else {
                inferred == s
            };
            if !agrees {
                return Err((
                    Rule::BufferShapeMismatch,
                    format!("buffer_shape is {s:?} but the buffer is nested as {inferred:?}"),
                ));
            }
            s.to_vec()
        }
        None => inferred,
    };
    let mut flat = Vec::with_capacity(shape.iter().product());
    flatten(v, &shape, 0, &mut flat)?;
    ArrayD::from_shape_vec(IxDyn(&shape), flat)
        .map_err(|e| (Rule::BufferShapeMismatch, e.to_string()))
}

fn flatten<T: Element>(
    v: &Value,
    shape: &[usize],
    depth: usize,
    out: &mut Vec<T>,
) -> std::result::Result<(), Problem> {
    if depth == shape.len() {
        let x = T::from_json(v).ok_or((
            Rule::BufferDtypeMismatch,
            format!("buffer value {v} is not a {}", T::DTYPE),
        ))?;
        out.push(x);
        return Ok(());
    }
    match v {
        Value::Array(items) if items.len() == shape[depth] => {
            for it in items {
                flatten(it, shape, depth + 1, out)?;
            }
            Ok(())
        }
        Value::Array(items) if items.is_empty() && shape[depth..].contains(&0) => Ok(()),
        _ => Err((
            Rule::BufferShapeMismatch,
            format!(
                "the buffer is ragged: expected {} items at depth {depth}",
                shape[depth]
            ),
        )),
    }
}

/// A buffer as nested JSON lists (a bare value when 0-d).
///
/// # Examples
///
/// ```
/// use distarray_core::protocol::{buffer_from_json, buffer_to_json};
/// use ndarray::{arr2, ArrayD};
/// use serde_json::json;
/// let a = arr2(&[[1_i32, 2, 3], [4, 5, 6]]).into_dyn();
/// let json = buffer_to_json(&a.view());
/// assert_eq!(json, json!([[1, 2, 3], [4, 5, 6]]));
/// let back: ArrayD<i32> = buffer_from_json(&json, Some(&[2, 3])).unwrap();
/// assert_eq!(back, a);
/// // an empty buffer needs its shape
/// let empty: ArrayD<i32> = buffer_from_json(&json!([]), Some(&[0, 3])).unwrap();
/// assert_eq!(empty.shape(), &[0, 3]);
/// ```
pub fn buffer_to_json<T: Element>(a: &ArrayViewD<'_, T>) -> Value {
    fn rec<T: Element>(a: &ArrayViewD<'_, T>) -> Value {
        if a.ndim() == 0 {
            return a.iter().next().map_or(Value::Null, |x| x.to_json());
        }
        Value::Array(a.outer_iter().map(|sub| rec(&sub)).collect())
    }
    rec(a)
}
