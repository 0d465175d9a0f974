//! Distributed Array Protocol conformance on real ranks: every valid case
//! under `shared/conformance/dap/` imports to the right mapping, buffers and
//! dim_data, and is reproduced by building its layout natively; every
//! invalid case under `dap_invalid/` is rejected with its rule, the same
//! error on every rank. Runs on 1, 2, 3, 4 and 8 ranks (the 2x2x2 cases).

mod harness;

use distarray::map::{AxisMap, BlockMap, CyclicMap, UnstructuredMap};
use distarray::ndarray::{ArrayD, IxDyn};
use distarray::protocol::{buffer_from_json, DimDict};
use distarray::{Comm, Dist, DistArray, Element, Error, Layout, ProcGrid};
use harness::{assert_same_everywhere, conformance_cases, Check};
use serde_json::{json, Value};

static CHECKS: &[Check] = &[
    check!(valid_cases_import_exactly),
    check!(valid_cases_are_reproduced_natively),
    check!(invalid_cases_are_rejected_with_their_rule),
    check!(exports_import_back_to_the_same_layout),
    check!(one_bad_rank_fails_every_rank_alike),
    check!(empty_dict_means_not_distributed),
];

fn main() {
    harness::main("mpi_protocol", CHECKS, &[1, 2, 3, 4, 8]);
}

/// The valid cases made for this many ranks.
fn cases_for(comm: &Comm) -> Vec<(String, Value)> {
    conformance_cases("dap")
        .into_iter()
        .filter(|(_, c)| c["nprocs"].as_u64() == Some(comm.size() as u64))
        .collect()
}

/// Rank `r`'s entry of a valid case as a description in JSON form.
fn description(case: &Value, r: usize) -> Value {
    let rank = &case["ranks"][r];
    json!({
        "__version__": case["dap_version"],
        "buffer": rank["buffer"],
        "buffer_shape": rank["buffer_shape"],
        "buffer_dtype": case["dtype"],
        "dim_data": rank["dim_data"],
    })
}

fn dims_of(v: &Value) -> Vec<DimDict> {
    serde_json::from_value(v.clone()).expect("case dim_data parses as dimension dictionaries")
}

fn normalized(d: &[DimDict]) -> Vec<DimDict> {
    d.iter().map(DimDict::normalized).collect()
}

fn global_of<T: Element>(case: &Value) -> ArrayD<T> {
    let shape: Vec<usize> = serde_json::from_value(case["global_shape"].clone()).unwrap();
    buffer_from_json::<T>(&case["global"], Some(&shape)).expect("case global parses")
}

fn buffer_of<T: Element>(case: &Value, r: usize) -> ArrayD<T> {
    let rank = &case["ranks"][r];
    let shape: Vec<usize> = serde_json::from_value(rank["buffer_shape"].clone()).unwrap();
    buffer_from_json::<T>(&rank["buffer"], Some(&shape)).expect("case buffer parses")
}

/// The global indices of each local position along each axis, computed
/// from the case's dictionaries by the README's rules (independently of
/// the library's maps).
fn expected_indices(dims: &[DimDict], buffer_shape: &[usize]) -> Vec<Vec<usize>> {
    dims.iter()
        .zip(buffer_shape)
        .map(|(d, &n)| match d.dist_type {
            distarray::DistType::Block => (d.start.unwrap()..d.stop.unwrap()).collect(),
            distarray::DistType::Cyclic => {
                let b = d.block_size.unwrap_or(1);
                let mut v = Vec::new();
                let mut block = d.proc_grid_rank;
                while v.len() < n {
                    for g in block * b..((block + 1) * b).min(d.size) {
                        v.push(g);
                    }
                    block += d.proc_grid_size;
                }
                v
            }
            distarray::DistType::Unstructured => d.indices.clone().unwrap(),
        })
        .collect()
}

fn valid_cases_import_exactly(comm: &Comm) {
    let cases = cases_for(comm);
    assert!(!cases.is_empty(), "no valid case for {} ranks", comm.size());
    for (name, case) in &cases {
        match case["dtype"].as_str().unwrap() {
            "float64" => import_case::<f64>(comm, name, case),
            "int64" => import_case::<i64>(comm, name, case),
            other => panic!("{name}: unexpected dtype {other}"),
        }
    }
}

fn import_case<T: Element>(comm: &Comm, name: &str, case: &Value) {
    let r = comm.rank();
    let a = DistArray::<T>::from_dap_json(comm, &description(case, r))
        .unwrap_or_else(|e| panic!("{name}: import failed: {e}"));
    let want_dims = dims_of(&case["ranks"][r]["dim_data"]);
    let export = a.to_dap();
    assert_eq!(
        normalized(&export.dim_data),
        normalized(&want_dims),
        "{name}: dim_data on rank {r}"
    );
    assert_eq!(
        export.buffer,
        buffer_of::<T>(case, r).view(),
        "{name}: buffer on rank {r}"
    );
    assert_eq!(
        a.gather_all().unwrap(),
        global_of::<T>(case),
        "{name}: gathered global"
    );
    // local -> global along every axis
    let layout = a.layout();
    let want = expected_indices(&want_dims, layout.local_shape());
    for (axis, w) in want.iter().enumerate() {
        assert_eq!(
            &layout.global_indices(axis),
            w,
            "{name}: local->global on axis {axis}"
        );
    }
    check_owners(comm, name, case, layout);
}

/// global -> (owner, local) for every global index of every axis.
fn check_owners(comm: &Comm, name: &str, case: &Value, layout: &Layout) {
    let ranks = case["ranks"].as_array().unwrap();
    for (axis, m) in layout.maps().iter().enumerate() {
        // from the case: which grid position owns g, and where
        let mut owner = vec![None; m.size()];
        for entry in ranks {
            let dims = dims_of(&entry["dim_data"]);
            let d = &dims[axis];
            let shape: Vec<usize> = serde_json::from_value(entry["buffer_shape"].clone()).unwrap();
            let idx = &expected_indices(&dims, &shape)[axis];
            let (l, rt) = d.padding_or_zero();
            let p = d.proc_grid_rank;
            let owned_lo = if p > 0 { l } else { 0 };
            let owned_hi = idx.len() - if p + 1 < d.proc_grid_size { rt } else { 0 };
            for (j, &g) in idx.iter().enumerate().take(owned_hi).skip(owned_lo) {
                let slot: &mut Option<(usize, usize)> = &mut owner[g];
                if slot.is_none_or(|(q, _)| p < q) {
                    *slot = Some((p, j));
                }
            }
        }
        let queries: Vec<usize> = (0..m.size()).collect();
        let got: Vec<Option<(usize, usize)>> = match m {
            AxisMap::Unstructured(u) => u.owners(comm, &queries),
            _ => queries.iter().map(|&g| m.owner(g)).collect(),
        };
        assert_eq!(got, owner, "{name}: owners along axis {axis}");
    }
}

fn valid_cases_are_reproduced_natively(comm: &Comm) {
    for (name, case) in cases_for(comm) {
        if case["dtype"] != "float64" {
            continue; // the int64 case is covered by import; values are the same rule
        }
        let r = comm.rank();
        let want_dims = dims_of(&case["ranks"][r]["dim_data"]);
        let layout = native_layout(comm, &case);
        assert_eq!(
            layout.local_shape(),
            buffer_of::<f64>(&case, r).shape(),
            "{name}: local shape"
        );
        let shape = layout.shape().to_vec();
        let padded = case["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "padding")
            || name.starts_with("pad_");
        let maps = layout.maps().to_vec();
        let mut a = DistArray::from_fn(&layout, |ix: &[usize]| {
            let boundary = maps.iter().zip(ix).any(|(m, &g)| match m {
                AxisMap::Block(b) => {
                    let (l, rt) = b.boundary_padding();
                    g < l || g >= b.size() - rt
                }
                _ => false,
            });
            if boundary {
                -1.0
            } else {
                ix.iter().zip(&shape).fold(0, |acc, (&i, &n)| acc * n + i) as f64
            }
        });
        if padded {
            // communication padding cells hold -1 in the cases
            let owned = layout.owned_local_ranges();
            let mut local = a.local_mut();
            for (j, v) in local.indexed_iter_mut() {
                if (0..owned.len()).any(|k| !owned[k].contains(&j[k])) {
                    *v = -1.0;
                }
            }
        }
        assert_eq!(
            a.local(),
            buffer_of::<f64>(&case, r).view(),
            "{name}: native buffer on rank {r}"
        );
        assert_eq!(
            normalized(&a.to_dap().dim_data),
            normalized(&want_dims),
            "{name}: native dim_data"
        );
        if !case["global_shape"].as_array().unwrap().is_empty() {
            let ix: Vec<usize> = shape.iter().map(|&n| n.saturating_sub(1)).collect();
            if shape.iter().all(|&n| n > 0) {
                assert_eq!(
                    a.get(&ix).unwrap(),
                    global_of::<f64>(&case)[IxDyn(&ix)],
                    "{name}: get"
                );
            }
        }
        let _ = &mut a;
    }
}

/// Builds a case's layout with the library's own constructors.
fn native_layout(comm: &Comm, case: &Value) -> Layout {
    let ranks = case["ranks"].as_array().unwrap();
    let grid_shape: Vec<usize> = serde_json::from_value(case["grid_shape"].clone()).unwrap();
    let grid = ProcGrid::new(&grid_shape, comm.size(), comm.rank()).unwrap();
    let mine = dims_of(&ranks[comm.rank()]["dim_data"]);
    let maps = mine
        .iter()
        .enumerate()
        .map(|(axis, d)| match d.dist_type {
            distarray::DistType::Block => {
                // owned bounds and interface padding, from each position's dict
                let at = |p: usize| {
                    let mut c = vec![0; grid_shape.len()];
                    c[axis] = p;
                    dims_of(&ranks[grid.rank_at(&c)]["dim_data"])[axis].clone()
                };
                let n = d.proc_grid_size;
                let mut bounds = vec![0];
                let mut comm_pad = Vec::new();
                for p in 0..n {
                    let dp = at(p);
                    let (_, rt) = dp.padding_or_zero();
                    if p + 1 < n {
                        bounds.push(dp.stop.unwrap() - rt);
                        comm_pad.push(rt);
                    }
                }
                bounds.push(d.size);
                let boundary = (at(0).padding_or_zero().0, at(n - 1).padding_or_zero().1);
                AxisMap::Block(
                    BlockMap::irregular(bounds)
                        .unwrap()
                        .with_interface_padding(comm_pad, boundary)
                        .unwrap()
                        .with_periodic(d.periodic.unwrap_or(false)),
                )
            }
            distarray::DistType::Cyclic => AxisMap::Cyclic(
                CyclicMap::new(d.size, d.proc_grid_size, d.block_size.unwrap_or(1)).unwrap(),
            ),
            distarray::DistType::Unstructured => AxisMap::Unstructured(
                UnstructuredMap::build(
                    comm,
                    &grid,
                    axis,
                    d.size,
                    d.indices.clone().unwrap(),
                    d.one_to_one.unwrap_or(false),
                )
                .unwrap(),
            ),
        })
        .collect();
    Layout::from_parts(comm.clone(), grid, maps)
}

fn invalid_cases_are_rejected_with_their_rule(comm: &Comm) {
    let mut ran = 0;
    for (name, case) in conformance_cases("dap_invalid") {
        let rule = case["rule"].as_str().unwrap();
        let input = &case["input"];
        let desc = match case["scope"].as_str().unwrap() {
            "rank" => input.clone(),
            "array" => {
                if input["nprocs"].as_u64() != Some(comm.size() as u64) {
                    continue;
                }
                let mut d = input["ranks"][comm.rank()].clone();
                d.as_object_mut().unwrap().remove("rank");
                d
            }
            other => panic!("{name}: unknown scope {other}"),
        };
        let err = DistArray::<f64>::from_dap_json(comm, &desc).expect_err(&name);
        assert_eq!(
            err.rule().map(|r| r.id()).as_deref(),
            Some(rule),
            "{name}: got {err}"
        );
        assert_same_everywhere(comm, &err);
        ran += 1;
    }
    assert!(ran >= 15, "only {ran} invalid cases ran");
}

fn exports_import_back_to_the_same_layout(comm: &Comm) {
    let n = comm.size();
    let ix: Vec<usize> = (0..11).filter(|g| (g * 7 + 3) % n == comm.rank()).collect();
    let layouts = vec![
        Layout::new(comm, &[10, 7], &[Dist::BlockCyclic(3), Dist::Block]).unwrap(),
        Layout::new(comm, &[9], &[Dist::Cyclic]).unwrap(),
        Layout::new(
            comm,
            &[14, 3],
            &[
                Dist::BlockPadded {
                    ghost_width: 1,
                    boundary_width: (2, 1),
                    periodic: true,
                },
                Dist::NotDistributed,
            ],
        )
        .unwrap(),
        Layout::with_grid(
            comm,
            &[11],
            &[Dist::Unstructured {
                indices: ix,
                one_to_one: true,
            }],
            &[n],
        )
        .unwrap(),
        Layout::block(comm, &[0, 4]).unwrap(),
    ];
    for layout in layouts {
        let a = DistArray::<f64>::random(&layout, 5);
        let json = a.to_dap().to_json();
        // the JSON form is what Python reads: plain keys, nested lists
        assert_eq!(json["__version__"], "0.10.0");
        let b = DistArray::<f64>::from_dap_json(comm, &json).unwrap();
        assert!(b.layout() == a.layout(), "{layout:?} vs {:?}", b.layout());
        assert_eq!(b.local(), a.local());
        // a different element type is refused by name
        let err = DistArray::<i32>::from_dap_json(comm, &json).unwrap_err();
        assert_eq!(err.rule(), Some(distarray::Rule::BufferDtypeMismatch));
    }
}

fn empty_dict_means_not_distributed(comm: &Comm) {
    let layout = Layout::new(
        comm,
        &[2 * comm.size() + 1, 3],
        &[Dist::Block, Dist::NotDistributed],
    )
    .unwrap();
    let a = DistArray::<f64>::random(&layout, 11);
    let mut json = a.to_dap().to_json();
    json["dim_data"][1] = json!({});
    let b = DistArray::<f64>::from_dap_json(comm, &json).unwrap();
    assert!(b.layout() == a.layout(), "{:?}", b.layout());
    assert_eq!(b.to_dap().dim_data[1].proc_grid_size, 1);
    assert_eq!(b.to_dap().dim_data[1].stop, Some(3));
}

fn one_bad_rank_fails_every_rank_alike(comm: &Comm) {
    let layout = Layout::block(comm, &[20]).unwrap();
    let a = DistArray::<f64>::zeros(&layout);
    let mut json = a.to_dap().to_json();
    let last = comm.size() - 1;
    if comm.rank() == last {
        json["dim_data"][0]["stop"] = json!(21); // past the end, on one rank only
    }
    let err = DistArray::<f64>::from_dap_json(comm, &json).unwrap_err();
    assert_eq!(err.rule(), Some(distarray::Rule::StopGtSize), "{err}");
    assert!(matches!(err, Error::Protocol { rank: Some(r), dim: Some(0), .. } if r == last));
    assert_same_everywhere(comm, &err);
    if comm.size() > 1 {
        // a consistent-looking rank whose range overlaps its neighbour's
        let mut json = a.to_dap().to_json();
        if comm.rank() == 1 {
            let start = json["dim_data"][0]["start"].as_u64().unwrap();
            json["dim_data"][0]["start"] = json!(start - 1);
            json["buffer"].as_array_mut().unwrap().push(json!(0.0));
            json["buffer_shape"] = json!([json["buffer"].as_array().unwrap().len()]);
        }
        let err = DistArray::<f64>::from_dap_json(comm, &json).unwrap_err();
        assert_eq!(
            err.rule(),
            Some(distarray::Rule::BlockRangesDoNotTile),
            "{err}"
        );
        assert_same_everywhere(comm, &err);
    }
}
