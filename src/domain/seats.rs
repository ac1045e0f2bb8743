//! Choosing seats: "best available N" in a reserved hall.

/// Picks `n` seats from a hall where `free[row][i]` says whether seat `i + 1`
/// of that row is free. Prefers `n` adjacent seats in one row, nearest the
/// front (row A) and then the centre; when no row has `n` together, takes the
/// `n` free seats nearest the front-centre one by one, so a clerk can still sell.
/// Returns (row index, seat number) pairs, or `None` if fewer than `n` are free.
pub fn best_available(free: &[Vec<bool>], n: usize) -> Option<Vec<(u32, u32)>> {
    if n == 0 {
        return None;
    }
    let mut best: Option<(u64, usize, usize)> = None; // (score, row, start)
    for (r, row) in free.iter().enumerate() {
        if row.len() < n {
            continue;
        }
        // Twice the centre, so odd and even widths stay in integers.
        let centre2 = row.len() as i64 - 1;
        let mut run = 0usize;
        for (i, &free) in row.iter().enumerate() {
            run = if free { run + 1 } else { 0 };
            if run >= n {
                let start = i + 1 - n;
                let mid2 = (start + i) as i64;
                let score = (r as u64) * 10_000 + (mid2 - centre2).unsigned_abs();
                if best.is_none_or(|(s, _, _)| score < s) {
                    best = Some((score, r, start));
                }
            }
        }
        // Rows further back can only score worse than a block found here.
        if best.is_some_and(|(_, br, _)| br == r) {
            break;
        }
    }
    if let Some((_, r, start)) = best {
        return Some((start..start + n).map(|i| (r as u32, i as u32 + 1)).collect());
    }
    let mut singles: Vec<(u64, u32, u32)> = Vec::new();
    for (r, row) in free.iter().enumerate() {
        let centre2 = row.len() as i64 - 1;
        for (i, &f) in row.iter().enumerate() {
            if f {
                let score = (r as u64) * 10_000 + (2 * i as i64 - centre2).unsigned_abs();
                singles.push((score, r as u32, i as u32 + 1));
            }
        }
    }
    if singles.len() < n {
        return None;
    }
    singles.sort_unstable();
    let mut picked: Vec<(u32, u32)> = singles.into_iter().take(n).map(|(_, r, s)| (r, s)).collect();
    picked.sort_unstable();
    Some(picked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hall(rows: usize, width: usize) -> Vec<Vec<bool>> {
        vec![vec![true; width]; rows]
    }

    #[test]
    fn empty_hall_gives_front_centre() {
        assert_eq!(best_available(&hall(10, 20), 2).unwrap(), vec![(0, 10), (0, 11)]);
        assert_eq!(best_available(&hall(10, 20), 3).unwrap(), vec![(0, 9), (0, 10), (0, 11)]);
    }

    #[test]
    fn skips_a_row_without_room() {
        let mut h = hall(3, 4);
        h[0][1] = false; // A2 taken: A has only runs of 1 and 2
        assert_eq!(best_available(&h, 3).unwrap(), vec![(1, 1), (1, 2), (1, 3)]);
        assert_eq!(best_available(&h, 2).unwrap(), vec![(0, 3), (0, 4)]);
    }

    #[test]
    fn falls_back_to_scattered_seats() {
        let h = vec![vec![true, false, true], vec![false, true, false]];
        assert_eq!(best_available(&h, 3).unwrap(), vec![(0, 1), (0, 3), (1, 2)]);
        assert_eq!(best_available(&h, 4), None);
        assert_eq!(best_available(&h, 0), None);
    }

    proptest! {
        #[test]
        fn picks_only_free_distinct_seats(
            free in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 1..12), 1..8),
            n in 1usize..10,
        ) {
            let total_free = free.iter().flatten().filter(|f| **f).count();
            match best_available(&free, n) {
                None => prop_assert!(total_free < n),
                Some(seats) => {
                    prop_assert_eq!(seats.len(), n);
                    let mut seen = std::collections::HashSet::new();
                    for (r, s) in seats {
                        prop_assert!(free[r as usize][s as usize - 1]);
                        prop_assert!(seen.insert((r, s)));
                    }
                }
            }
        }
    }
}
