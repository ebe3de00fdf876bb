//! Splitting the selected files into size-balanced shards for parallel CI jobs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::str::FromStr;

/// One shard of `count`, as given on the command line: `index` counts from 1 (`2/4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The 0-based shard number [`assign`] gives this shard's files.
    pub fn position(&self) -> usize {
        self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("invalid shard `{0}`: expected INDEX/COUNT with whole numbers, like `2/4`")]
    Syntax(String),
    #[error("invalid shard `{0}`: the count must be at least 1")]
    ZeroCount(String),
    #[error("invalid shard `{0}`: shards are numbered from 1, so use 1/{1} to {1}/{1}")]
    ZeroIndex(String, usize),
    #[error("invalid shard `{0}`: there are only {2} shards, so the index cannot be {1}")]
    IndexTooLarge(String, usize, usize),
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(syntax)?;
        let number = |s: &str| s.trim().parse::<usize>().map_err(|_| syntax());
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 {
            return Err(ShardError::ZeroCount(text.to_string()));
        }
        if index == 0 {
            return Err(ShardError::ZeroIndex(text.to_string(), count));
        }
        if index > count {
            return Err(ShardError::IndexTooLarge(text.to_string(), index, count));
        }
        Ok(Shard { index, count })
    }
}

/// Files count at least this much, so a shard of many tiny files still weighs its file count.
const MIN_WEIGHT: u64 = 1024;

/// The 0-based shard of each file, in input order.
///
/// Deterministic whatever the input order: files are placed heaviest first (ties by path),
/// each into the lightest shard so far (ties by lowest number). Every job of a sharded run
/// computes the same split from the same file list, with no coordination. A `count` of 0 is
/// treated as 1. Shards past the number of files stay empty and cost nothing: with at least
/// as many shards as files, each file gets a shard of its own, so no more are made than files.
pub fn assign(paths_and_sizes: &[(&str, u64)], count: usize) -> Vec<usize> {
    let count = count.min(paths_and_sizes.len()).max(1);
    let weight = |i: usize| paths_and_sizes[i].1.max(MIN_WEIGHT);
    let mut order: Vec<usize> = (0..paths_and_sizes.len()).collect();
    order.sort_by(|&a, &b| (Reverse(weight(a)), paths_and_sizes[a].0).cmp(&(Reverse(weight(b)), paths_and_sizes[b].0)));
    let mut loads: BinaryHeap<Reverse<(u64, usize)>> = (0..count).map(|shard| Reverse((0, shard))).collect();
    let mut shards = vec![0; paths_and_sizes.len()];
    for file in order {
        let Some(Reverse((load, shard))) = loads.pop() else {
            break;
        };
        shards[file] = shard;
        loads.push(Reverse((load.saturating_add(weight(file)), shard)));
    }
    shards
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_index_and_count() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("1/1".parse(), Ok(Shard { index: 1, count: 1 }));
        assert_eq!(" 3 / 3 ".parse::<Shard>().map(|s| s.to_string()), Ok("3/3".into()));
        assert_eq!("2/4".parse::<Shard>().map(|s| s.position()), Ok(1));
    }

    #[test]
    fn rejects_nonsense_clearly() {
        let err = |s: &str| s.parse::<Shard>().expect_err(s).to_string();
        assert_eq!(err("0/4"), "invalid shard `0/4`: shards are numbered from 1, so use 1/4 to 4/4");
        assert_eq!(err("5/4"), "invalid shard `5/4`: there are only 4 shards, so the index cannot be 5");
        assert_eq!(err("a/b"), "invalid shard `a/b`: expected INDEX/COUNT with whole numbers, like `2/4`");
        assert_eq!(err("1/0"), "invalid shard `1/0`: the count must be at least 1");
        for bad in ["", "2", "2/", "/4", "-1/4", "1/4/2", "1.5/4"] {
            assert!(matches!(bad.parse::<Shard>(), Err(ShardError::Syntax(_))), "{bad}");
        }
    }

    /// SplitMix64: a fixed-seed generator, so the test is the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    /// 10,000 files: mostly small, some empty, a long tail up to 2 MiB, like a real repository.
    fn files() -> Vec<(String, u64)> {
        let mut rng = Rng(42);
        (0..10_000)
            .map(|i| {
                let size = match rng.next() % 100 {
                    0..=9 => 0,
                    10..=79 => rng.next() % 8_192,
                    80..=97 => rng.next() % 200_000,
                    _ => rng.next() % 2_000_000,
                };
                (format!("src/dir{}/file{i}.php", i % 37), size)
            })
            .collect()
    }

    fn borrow(files: &[(String, u64)]) -> Vec<(&str, u64)> {
        files.iter().map(|(p, s)| (p.as_str(), *s)).collect()
    }

    #[test]
    fn shards_are_disjoint_complete_and_balanced() {
        let files = files();
        let input = borrow(&files);
        for count in [1, 2, 3, 4, 7, 16] {
            let shards = assign(&input, count);
            assert_eq!(shards.len(), input.len(), "every file gets exactly one shard");
            let mut weights = vec![0u64; count];
            for (&(_, size), &shard) in input.iter().zip(&shards) {
                assert!(shard < count);
                weights[shard] += size.max(MIN_WEIGHT);
            }
            let mean = weights.iter().sum::<u64>() as f64 / count as f64;
            for (shard, &w) in weights.iter().enumerate() {
                let off = (w as f64 - mean).abs() / mean;
                assert!(off <= 0.2, "shard {shard}/{count} weighs {w}, mean {mean}: {off:.3} off");
            }
        }
    }

    #[test]
    fn same_files_in_any_order_land_in_the_same_shards() {
        let files = files();
        let input = borrow(&files);
        let expected: Vec<(&str, usize)> = input.iter().map(|f| f.0).zip(assign(&input, 4)).collect();

        let mut rng = Rng(7);
        let mut shuffled = input.clone();
        for i in (1..shuffled.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        shuffled.reverse();
        let mut got: Vec<(&str, usize)> = shuffled.iter().map(|f| f.0).zip(assign(&shuffled, 4)).collect();
        got.sort();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        assert_eq!(got, expected_sorted);
    }

    #[test]
    fn tiny_files_still_count() {
        let files: Vec<(String, u64)> = (0..8).map(|i| (format!("f{i}"), 0)).collect();
        let shards = assign(&borrow(&files), 4);
        for shard in 0..4 {
            assert_eq!(shards.iter().filter(|&&s| s == shard).count(), 2);
        }
    }

    #[test]
    fn edge_cases() {
        assert!(assign(&[], 3).is_empty());
        assert_eq!(assign(&[("a", 1), ("b", 2)], 0), [0, 0]);
        assert_eq!(assign(&[("a", 10), ("b", 5_000), ("c", 4_000)], 5), [2, 0, 1]);
        assert_eq!(assign(&[("a", 1), ("b", 2)], usize::MAX), [0, 1], "no shard is made past the files");
    }
}
