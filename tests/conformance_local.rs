//! The conformance data through the pure (no-MPI) validators: every valid
//! case parses and passes every rule; every invalid case is rejected with
//! its rule. The MPI suite (`mpi_protocol`) runs the same cases on real ranks.

mod harness;

use distarray::protocol::{check_array, check_rank, parse_rank, DimDict};
use serde_json::{json, Value};

fn parse_all(ranks: &[Value]) -> Result<Vec<Vec<DimDict>>, distarray::Error> {
    ranks
        .iter()
        .enumerate()
        .map(|(r, d)| {
            let p = parse_rank::<f64>(d, r)?;
            check_rank(&p.dim_data, p.buffer.shape(), r)?;
            Ok(p.dim_data)
        })
        .collect()
}

#[test]
fn valid_cases_pass_every_rule() {
    let cases = harness::conformance_cases("dap");
    assert_eq!(cases.len(), 45);
    for (name, case) in cases {
        let nprocs = case["nprocs"].as_u64().unwrap() as usize;
        assert!(
            [1, 2, 3, 4, 8].contains(&nprocs),
            "{name}: {nprocs} ranks is not a rank count the MPI suite runs"
        );
        let ranks: Vec<Value> = case["ranks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                json!({
                    "__version__": case["dap_version"],
                    "buffer": r["buffer"],
                    "buffer_shape": r["buffer_shape"],
                    "dim_data": r["dim_data"],
                })
            })
            .collect();
        let dims = parse_all(&ranks).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_array(&dims).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn invalid_cases_are_rejected_with_their_rule() {
    let cases = harness::conformance_cases("dap_invalid");
    assert_eq!(cases.len(), 17);
    for (name, case) in cases {
        let input = &case["input"];
        let result = match case["scope"].as_str().unwrap() {
            "rank" => parse_all(std::slice::from_ref(input)).map(|_| ()),
            _ => {
                let ranks: Vec<Value> = input["ranks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        r.as_object_mut().unwrap().remove("rank");
                        r
                    })
                    .collect();
                parse_all(&ranks).and_then(|d| check_array(&d))
            }
        };
        let err = result.expect_err(&name);
        assert_eq!(
            err.rule().map(|r| r.id()).as_deref(),
            case["rule"].as_str(),
            "{name}: {err}"
        );
    }
}

/// The rules across ranks of an unstructured axis, judged from every
/// rank's description with its indices (as `distarray info` judges a
/// `.dnpy` set): a repeated index where `one_to_one` is true, an index no
/// rank holds, and ranks at one position listing different indices are
/// refused with their rule; the same descriptions without `one_to_one`
/// (repeats allowed) pass.
#[test]
fn unstructured_rules_across_ranks() {
    let rank = |indices: &[usize], one_to_one: Option<bool>, pos: usize, grid: usize| {
        let mut d = json!({"dist_type": "u", "size": 6, "proc_grid_size": grid,
                           "proc_grid_rank": pos, "indices": indices});
        if let Some(o) = one_to_one {
            d["one_to_one"] = json!(o);
        }
        json!({"__version__": "0.10.0", "buffer": vec![0.0; indices.len()],
               "buffer_shape": [indices.len()], "dim_data": [d]})
    };
    let judge = |ranks: Vec<Value>| parse_all(&ranks).and_then(|d| check_array(&d));
    let rule = |r: Result<(), distarray::Error>| r.expect_err("refused").rule().map(|r| r.id());
    // every index once: valid either way
    for o in [None, Some(true), Some(false)] {
        judge(vec![rank(&[0, 2, 4], o, 0, 2), rank(&[5, 3, 1], o, 1, 2)]).unwrap();
    }
    // index 2 at both positions
    assert_eq!(
        rule(judge(vec![
            rank(&[0, 2, 4], Some(true), 0, 2),
            rank(&[5, 3, 1, 2], Some(true), 1, 2)
        ]))
        .as_deref(),
        Some("indices_not_one_to_one")
    );
    judge(vec![
        rank(&[0, 2, 4], Some(false), 0, 2),
        rank(&[5, 3, 1, 2], Some(false), 1, 2),
    ])
    .unwrap();
    // index 3 held by no position
    assert_eq!(
        rule(judge(vec![
            rank(&[0, 2, 4], None, 0, 2),
            rank(&[5, 1], None, 1, 2)
        ]))
        .as_deref(),
        Some("indices_do_not_cover")
    );
    // a size no file backs allocates nothing and is refused
    let mut huge = rank(&[0], None, 0, 1);
    huge["dim_data"][0]["size"] = json!(1_000_000_000_000_000u64);
    assert_eq!(
        rule(judge(vec![huge])).as_deref(),
        Some("indices_do_not_cover")
    );
    // two ranks at one position (a 2 x 2 grid, axis 0) listing different indices
    let two_d = |ix: &[usize], pos: usize, col: usize| {
        json!({"__version__": "0.10.0", "buffer": vec![vec![0.0; 1]; ix.len()],
               "buffer_shape": [ix.len(), 1], "dim_data": [
            {"dist_type": "u", "size": 4, "proc_grid_size": 2, "proc_grid_rank": pos, "indices": ix},
            {"dist_type": "b", "size": 2, "proc_grid_size": 2, "proc_grid_rank": col, "start": col, "stop": col + 1}]})
    };
    assert_eq!(
        rule(judge(vec![
            two_d(&[0, 1], 0, 0),
            two_d(&[0, 2], 0, 1),
            two_d(&[2, 3], 1, 0),
            two_d(&[2, 3], 1, 1)
        ]))
        .as_deref(),
        Some("same_position_disagree")
    );
    judge(vec![
        two_d(&[0, 1], 0, 0),
        two_d(&[0, 1], 0, 1),
        two_d(&[2, 3], 1, 0),
        two_d(&[2, 3], 1, 1),
    ])
    .unwrap();
}
