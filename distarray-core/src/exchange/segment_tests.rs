//! Tests of segments and of packing them.

#[cfg(test)]
mod runs_and_packing {
    use crate::exchange::pack::*;
    use crate::exchange::segment::*;

    #[test]
    fn runs_compress() {
        assert_eq!(
            Run::from_positions(&[3, 4, 5]),
            Run::Strided {
                start: 3,
                len: 3,
                step: 1
            }
        );
        assert_eq!(
            Run::from_positions(&[1, 4, 7]),
            Run::Strided {
                start: 1,
                len: 3,
                step: 3
            }
        );
        assert_eq!(Run::from_positions(&[4, 1]), Run::List(vec![4, 1]));
    }

    #[test]
    fn pack_unpack_transposed() {
        // 2x3 buffer, take rows 0..2 x cols {0, 2}, nested column-major
        let src: Vec<i32> = (0..6).collect();
        let seg = Segment::Product {
            runs: vec![Run::from_positions(&[0, 1]), Run::from_positions(&[0, 2])],
            order: vec![1, 0],
        };
        let prep = Prepared::new(&seg, &[2, 3]);
        let mut pos = Vec::new();
        let mut out = vec![0; 4];
        pack(&prep, &src, &mut out, &mut pos, Stores::Cached);
        assert_eq!(out, vec![0, 3, 2, 5]);
        let mut back = vec![-1; 6];
        unpack(&prep, &out, &mut back, &mut pos, Stores::Cached);
        assert_eq!(back, vec![0, -1, 2, 3, -1, 5]);
    }

    #[test]
    fn split_pieces_concatenate_to_the_segment() {
        // 4 x 6 buffer; rows {0, 2, 3} x cols 1..5, nested column-major
        let shape = [4, 6];
        let seg = Segment::Product {
            runs: vec![
                Run::List(vec![0, 2, 3]),
                Run::Strided {
                    start: 1,
                    len: 4,
                    step: 1,
                },
            ],
            order: vec![1, 0],
        };
        let src: Vec<i32> = (0..24).collect();
        let mut pos = Vec::new();
        let mut whole = vec![0; seg.len()];
        pack(
            &Prepared::new(&seg, &shape),
            &src,
            &mut whole,
            &mut pos,
            Stores::Cached,
        );
        for max in [1, 2, 3, 5, 12, 100] {
            let pieces = seg.split(max);
            assert!(pieces.iter().all(|p| p.len() <= max.max(3)), "max {max}");
            let mut joined = Vec::new();
            for p in &pieces {
                let mut out = vec![0; p.len()];
                pack(
                    &Prepared::new(p, &shape),
                    &src,
                    &mut out,
                    &mut pos,
                    Stores::Cached,
                );
                joined.extend(out);
            }
            assert_eq!(joined, whole, "pieces of at most {max}");
        }
        // an outer level of one position is skipped; flat offsets split too
        let row = Segment::Product {
            runs: vec![
                Run::Strided {
                    start: 2,
                    len: 1,
                    step: 1,
                },
                Run::Strided {
                    start: 0,
                    len: 6,
                    step: 1,
                },
            ],
            order: vec![0, 1],
        };
        assert_eq!(
            row.split(4).iter().map(Segment::len).collect::<Vec<_>>(),
            vec![4, 2]
        );
        let flat = Segment::Flat(vec![5, 1, 7, 3, 2]);
        assert_eq!(
            flat.split(2),
            vec![
                Segment::Flat(vec![5, 1]),
                Segment::Flat(vec![7, 3]),
                Segment::Flat(vec![2])
            ]
        );
    }

    #[test]
    fn contiguity() {
        let full = |n| Run::Strided {
            start: 0,
            len: n,
            step: 1,
        };
        let seg = Segment::Product {
            runs: vec![
                Run::Strided {
                    start: 1,
                    len: 2,
                    step: 1,
                },
                full(4),
            ],
            order: vec![0, 1],
        };
        assert_eq!(seg.contiguous(&[5, 4]), Some(4..12));
        let seg = Segment::Product {
            runs: vec![
                full(5),
                Run::Strided {
                    start: 0,
                    len: 2,
                    step: 1,
                },
            ],
            order: vec![0, 1],
        };
        assert_eq!(seg.contiguous(&[5, 4]), None);
        let mut enc = Vec::new();
        seg.encode(&mut enc);
        assert_eq!(Segment::decode(&mut enc.into_iter()), seg);
    }
}

#[cfg(test)]
mod fixed_axis_tests {
    use crate::exchange::pack::*;
    use crate::exchange::segment::*;

    #[test]
    fn a_fixed_row_copies_from_its_offset() {
        let src: Vec<i32> = (0..35).collect();
        let s = Segment::Product {
            runs: vec![
                Run::from_positions(&[6]),
                Run::from_positions(&[0, 1, 2, 3, 4]),
            ],
            order: vec![0, 1],
        };
        let d = Segment::Product {
            runs: vec![Run::from_positions(&[0, 1, 2, 3, 4])],
            order: vec![0],
        };
        let (ps, pd) = (Prepared::new(&s, &[7, 5]), Prepared::new(&d, &[5]));
        let mut out = vec![0; 5];
        copy(&ps, &src, &pd, &mut out, &mut Vec::new(), Stores::Cached);
        assert_eq!(out, vec![30, 31, 32, 33, 34]);
    }
}

#[cfg(test)]
mod stretch_tests {
    use crate::exchange::pack::*;
    use crate::exchange::segment::*;

    #[test]
    fn lists_of_stretches_copy_slice_by_slice() {
        // source positions in stretches [10..16) [30..36) [2..8), target [0..6) [50..56) [20..26)
        let s: Vec<usize> = (10..16).chain(30..36).chain(2..8).collect();
        let d: Vec<usize> = (0..6).chain(50..56).chain(20..26).collect();
        let (ss, dd) = (
            Segment::Product {
                runs: vec![Run::from_positions(&s)],
                order: vec![0],
            },
            Segment::Product {
                runs: vec![Run::from_positions(&d)],
                order: vec![0],
            },
        );
        let (ps, pd) = (Prepared::new(&ss, &[60]), Prepared::new(&dd, &[60]));
        let src: Vec<i32> = (0..60).collect();
        let mut dst = vec![-1; 60];
        copy(&ps, &src, &pd, &mut dst, &mut Vec::new(), Stores::Cached);
        for (k, (&a, &b)) in s.iter().zip(&d).enumerate() {
            assert_eq!(dst[b], a as i32, "pair {k}");
        }
        assert_eq!(dst.iter().filter(|&&x| x >= 0).count(), 18);
        let mut packed = vec![0; 18];
        pack(&ps, &src, &mut packed, &mut Vec::new(), Stores::Cached);
        assert_eq!(packed, s.iter().map(|&x| x as i32).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod streaming_tests {
    use crate::dtype::Element;
    use crate::exchange::pack::*;
    use crate::exchange::segment::*;

    /// Rows `1..4` and columns `3..303` of a 5 x 310 buffer into a 3 x 300
    /// one: three runs of 300 elements, long enough to stream.
    fn copy_block<T: Element>(value: impl Fn(usize) -> T, stores: Stores) -> Vec<T> {
        let s = Segment::Product {
            runs: vec![
                Run::from_positions(&[1, 2, 3]),
                Run::from_positions(&(3..303).collect::<Vec<_>>()),
            ],
            order: vec![0, 1],
        };
        let d = Segment::Product {
            runs: vec![
                Run::from_positions(&[0, 1, 2]),
                Run::from_positions(&(0..300).collect::<Vec<_>>()),
            ],
            order: vec![0, 1],
        };
        let (ps, pd) = (Prepared::new(&s, &[5, 310]), Prepared::new(&d, &[3, 300]));
        let src: Vec<T> = (0..5 * 310).map(&value).collect();
        let mut dst = vec![T::default(); 900];
        copy(&ps, &src, &pd, &mut dst, &mut Vec::new(), stores);
        let mut back = vec![T::default(); 900];
        unpack(&pd, &dst, &mut back, &mut Vec::new(), stores);
        assert_eq!(back, dst, "unpack into the same cells");
        dst
    }

    #[test]
    fn streaming_stores_copy_the_same_cells() {
        let every_run = Stores::Streaming { min_run: 0 };
        for stores in [Stores::Cached, Stores::STREAMING, every_run] {
            let got = copy_block(|i| i as f64 + 0.5, stores);
            for (r, row) in got.chunks(300).enumerate() {
                for (c, &x) in row.iter().enumerate() {
                    assert_eq!(
                        x,
                        ((r + 1) * 310 + c + 3) as f64 + 0.5,
                        "{stores:?} ({r}, {c})"
                    );
                }
            }
            // bool has no plain bytes to stream: the ordinary copy serves
            let flags = copy_block(|i| i % 3 == 0, stores);
            assert_eq!(flags, copy_block(|i| i % 3 == 0, Stores::Cached));
            assert_eq!(flags[0], (310 + 3) % 3 == 0);
        }
    }
}
