//! GLib list behaviours the reference's output order depends on.
//!
//! The reference keeps most collections in `GList`s and sorts them with
//! `g_list_sort`, a top-down merge sort. Some of its comparison functions are
//! not total orders (they can say a < b, b < c, c < a), so the exact merge
//! pattern decides the result: we reproduce it rather than use `slice::sort`.

use std::cmp::Ordering;

/// Sort like `g_list_sort`: split at `len / 2`, sort both halves, merge
/// taking from the left half while `cmp(left, right) <= 0`.
#[doc(alias = "g_list_sort")]
pub fn list_sort<T: Clone, F>(items: &mut [T], cmp: &mut F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    let n = items.len();
    if n < 2 {
        return;
    }
    let mid = n / 2;
    list_sort(&mut items[..mid], cmp);
    list_sort(&mut items[mid..], cmp);
    let left: Vec<T> = items[..mid].to_vec();
    let right: Vec<T> = items[mid..].to_vec();
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        if cmp(&left[i], &right[j]) != Ordering::Greater {
            items[k] = left[i].clone();
            i += 1;
        } else {
            items[k] = right[j].clone();
            j += 1;
        }
        k += 1;
    }
    while i < left.len() {
        items[k] = left[i].clone();
        i += 1;
        k += 1;
    }
    while j < right.len() {
        items[k] = right[j].clone();
        j += 1;
        k += 1;
    }
}

/// Where `g_list_insert_sorted` puts `new`: before the first element that
/// does not compare greater than it (so a new equal element goes first).
#[doc(alias = "g_list_insert_sorted")]
pub fn insert_sorted<T, F>(list: &mut Vec<T>, new: T, mut cmp: F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    let pos = list
        .iter()
        .position(|e| cmp(&new, e) != Ordering::Greater)
        .unwrap_or(list.len());
    list.insert(pos, new);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_is_stable_merge() {
        let mut v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        list_sort(&mut v, &mut |a, b| a.0.cmp(&b.0));
        assert_eq!(v, vec![(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }

    #[test]
    fn insert_sorted_puts_equal_first() {
        let mut v = vec![(1, 'a'), (2, 'b'), (2, 'c')];
        insert_sorted(&mut v, (2, 'x'), |a, b| a.0.cmp(&b.0));
        assert_eq!(v, vec![(1, 'a'), (2, 'x'), (2, 'b'), (2, 'c')]);
        insert_sorted(&mut v, (9, 'z'), |a, b| a.0.cmp(&b.0));
        assert_eq!(v.last(), Some(&(9, 'z')));
    }
}
