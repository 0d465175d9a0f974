//! Fuzzing the file and description parsers on stable Rust (proptest with
//! byte-level strategies; `cargo fuzz` needs a nightly toolchain): the
//! `.npy` header, the `.dnpy` header and its Python literal, a `.dnpy`
//! file read whole, and DAP descriptions in JSON. The corpus is the
//! conformance data (../shared/conformance), mutated byte by byte, plus
//! arbitrary bytes. Every input must give `Ok` or an error: never a panic,
//! a stack overflow, or an allocation larger than the input. Each property
//! runs a bounded number of cases, so CI time stays fixed
//! (`PROPTEST_CASES` raises it for a longer hunt).

use distarray_core::io::{pyliteral, read_dnpy, read_dnpy_header, NpyHeader};
use distarray_core::protocol::{check_rank, parse_rank};
use proptest::prelude::*;
use std::path::PathBuf;

fn conformance() -> PathBuf {
    std::env::var("DISTARRAY_CONFORMANCE_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
        PathBuf::from,
    )
}

/// Every file below the conformance folder with one of the endings.
fn corpus(endings: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut dirs = vec![conformance()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if endings.iter().any(|end| p.to_string_lossy().ends_with(end)) {
                out.push(std::fs::read(&p).expect("corpus file reads"));
            }
        }
    }
    assert!(
        !out.is_empty(),
        "no {endings:?} files under {}",
        conformance().display()
    );
    out
}

/// A corpus file with some bytes replaced, inserted or cut.
fn mutated(corpus: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = corpus.len();
    (
        0..n,
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 0..8),
    )
        .prop_map(move |(pick, edits)| {
            let mut b = corpus[pick].clone();
            for (at, byte, kind) in edits {
                if b.is_empty() {
                    b.push(byte);
                    continue;
                }
                let i = at.index(b.len());
                match kind {
                    0 => b[i] = byte,
                    1 => b.insert(i, byte),
                    2 => b.truncate(i),
                    _ => {
                        // a digit run, to grow sizes and counts
                        b.splice(i..i, std::iter::repeat_n(b'9', 1 + byte as usize % 24));
                    }
                }
            }
            b
        })
}

/// A file in cargo's scratch folder for integration tests (under target/).
fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", std::process::id()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn npy_headers_never_panic(bytes in prop_oneof![
        mutated(corpus(&[".npy"])),
        proptest::collection::vec(any::<u8>(), 0..300),
    ]) {
        let _ = NpyHeader::parse(&bytes, "fuzz");
    }

    #[test]
    fn dnpy_headers_never_panic(bytes in mutated(corpus(&[".dnpy"]))) {
        if let Ok((_, dims, npy, _)) = read_dnpy_header(&bytes, "fuzz") {
            let _ = npy.data_len();
            let _ = dims.to_string();
        }
    }

    #[test]
    fn dnpy_files_never_panic(bytes in mutated(corpus(&[".dnpy"]))) {
        let path = scratch("f.dnpy");
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_dnpy::<f64>(&path, 0);
        let _ = read_dnpy::<i64>(&path, 1);
    }

    #[test]
    fn python_literals_never_panic(text in prop_oneof![
        "[\\[\\](){}:,'\" 0-9a-zTF.-]{0,200}",
        proptest::collection::vec(prop_oneof![Just("("), Just("["), Just("{'a': "), Just("1, ")], 0..400)
            .prop_map(|v| v.concat()),
    ]) {
        let _ = pyliteral::parse(&text);
    }

    #[test]
    fn dap_descriptions_never_panic(bytes in mutated(corpus(&[".json"]))) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return Ok(());
        };
        // a case file holds descriptions under "input", "ranks" or itself
        let mut candidates = vec![v.clone()];
        for key in ["input", "ranks"] {
            match v.get(key) {
                Some(serde_json::Value::Array(a)) => candidates.extend(a.iter().cloned()),
                Some(x) => candidates.push(x.clone()),
                None => {}
            }
        }
        for c in candidates {
            if let Ok(p) = parse_rank::<f64>(&c, 0) {
                let _ = check_rank(&p.dim_data, p.buffer.shape(), 0);
            }
        }
    }
}
