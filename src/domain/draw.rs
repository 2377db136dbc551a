//! Drawing a panel at random from the expert pool (专家库随机抽取), reproducibly: the same seed
//! and pool give the same panel, and anyone can redo the draw by hand with SHA-256.

use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// An expert in the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolExpert {
    pub name: String,
    /// 专业类别
    pub category: String,
    /// The expert's own work unit; an expert from an applicant unit must step aside (回避).
    pub unit: String,
    /// Hex public key; identifies the expert.
    pub key: String,
}

/// A draw that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error(
        "专业“{category}”需要抽取 {wanted} 人，回避后只有 {available} 人可选 / category “{category}” needs {wanted} experts but only {available} remain after recusals"
    )]
    NotEnough { category: String, wanted: usize, available: usize },
}

/// The order of a candidate under `seed`: SHA-256 of the seed (8 bytes, little-endian) and key.
fn lot(seed: u64, expert: &PoolExpert) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(expert.key.as_bytes());
    h.finalize().into()
}

/// Draws `count` experts per category, skipping `excluded_units` and anyone in `skip`.
pub fn draw(
    pool: &[PoolExpert],
    wanted: &[(String, usize)],
    excluded_units: &[String],
    skip: &[String],
    seed: u64,
) -> Result<Vec<PoolExpert>, DrawError> {
    let excluded: HashSet<&str> = excluded_units.iter().map(|u| u.trim()).collect();
    let mut taken: HashSet<String> = skip.iter().cloned().collect();
    let mut out = Vec::new();
    for (category, count) in wanted {
        let mut candidates: Vec<&PoolExpert> = pool
            .iter()
            .filter(|e| &e.category == category && !excluded.contains(e.unit.trim()) && !taken.contains(&e.key))
            .collect();
        if candidates.len() < *count {
            return Err(DrawError::NotEnough {
                category: category.clone(),
                wanted: *count,
                available: candidates.len(),
            });
        }
        candidates.sort_by_key(|e| lot(seed, e));
        for e in candidates.into_iter().take(*count) {
            taken.insert(e.key.clone());
            out.push(e.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Vec<PoolExpert> {
        (0..12)
            .map(|i| PoolExpert {
                name: format!("专家{i}"),
                category: if i % 3 == 0 { "财务".into() } else { "技术".into() },
                unit: if i == 1 { "鼓楼区教育局".into() } else { format!("单位{i}") },
                key: format!("{i:064x}"),
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_panel() {
        let wanted = vec![("技术".to_string(), 3), ("财务".to_string(), 1)];
        let a = draw(&pool(), &wanted, &[], &[], 42).unwrap();
        let b = draw(&pool(), &wanted, &[], &[], 42).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 4);
        let others: Vec<_> = (0..20).map(|s| draw(&pool(), &wanted, &[], &[], s).unwrap()).collect();
        assert!(others.iter().any(|o| o != &a), "different seeds give different panels");
    }

    #[test]
    fn applicant_units_and_skipped_keys_are_never_drawn() {
        let wanted = vec![("技术".to_string(), 6)];
        let skip = vec![format!("{:064x}", 2)];
        let got = draw(&pool(), &wanted, &["鼓楼区教育局".into()], &skip, 7).unwrap();
        assert!(got.iter().all(|e| e.unit != "鼓楼区教育局" && e.key != skip[0]));
        let e = draw(&pool(), &[("技术".to_string(), 7)], &["鼓楼区教育局".into()], &skip, 7).unwrap_err();
        assert_eq!(e, DrawError::NotEnough { category: "技术".into(), wanted: 7, available: 6 });
    }
}
