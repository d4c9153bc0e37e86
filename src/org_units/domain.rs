//! Tree arithmetic over a flat list of units.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: i32,
    pub parent_id: Option<i32>,
    pub code: String,
    pub name: String,
}

/// A unit placed in the tree: depth 0 for roots; listed depth-first, children
/// by name, so the list reads as an indented tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Placed {
    pub unit: Unit,
    pub depth: usize,
}

pub fn depth_first(units: &[Unit]) -> Vec<Placed> {
    let mut children: HashMap<Option<i32>, Vec<&Unit>> = HashMap::new();
    for u in units {
        children.entry(u.parent_id).or_default().push(u);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut out = Vec::with_capacity(units.len());
    let mut stack: Vec<(&Unit, usize)> = children
        .get(&None)
        .map(|r| r.iter().rev().map(|u| (*u, 0)).collect())
        .unwrap_or_default();
    while let Some((u, depth)) = stack.pop() {
        out.push(Placed {
            unit: u.clone(),
            depth,
        });
        if let Some(kids) = children.get(&Some(u.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// The unit and every unit under it.
pub fn subtree(units: &[Unit], root: i32) -> Vec<i32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            units
                .iter()
                .filter(|u| u.parent_id == Some(parent))
                .map(|u| u.id),
        );
        i += 1;
    }
    out
}

/// Codes are short identifiers people type in the CLI: letters, digits, `-` and `_`.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i32, parent: Option<i32>, name: &str) -> Unit {
        Unit {
            id,
            parent_id: parent,
            code: format!("u{id}"),
            name: name.into(),
        }
    }

    fn sample() -> Vec<Unit> {
        vec![
            unit(1, None, "Tỉnh"),
            unit(2, Some(1), "Sở Nội vụ"),
            unit(3, Some(1), "Huyện A"),
            unit(4, Some(3), "Phòng Nội vụ A"),
            unit(5, None, "Khác"),
        ]
    }

    #[test]
    fn tree_lists_children_under_parents_by_name() {
        let placed: Vec<_> = depth_first(&sample())
            .into_iter()
            .map(|p| (p.unit.id, p.depth))
            .collect();
        assert_eq!(placed, vec![(5, 0), (1, 0), (3, 1), (4, 2), (2, 1)]);
    }

    #[test]
    fn subtree_holds_the_unit_and_all_below_it() {
        let mut s = subtree(&sample(), 3);
        s.sort();
        assert_eq!(s, vec![3, 4]);
        assert_eq!(subtree(&sample(), 1).len(), 4);
        assert_eq!(subtree(&sample(), 2), vec![2]);
    }

    #[test]
    fn codes_are_plain_identifiers() {
        assert!(valid_code("SNV-01"));
        assert!(!valid_code("Sở"));
        assert!(!valid_code(""));
    }
}
