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
