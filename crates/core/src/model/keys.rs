//! Small tables of known names (event property keys, event names, profile
//! attribute names) matched exactly on the scoring hot path.
//!
//! Hand-written rather than a hash map: a table holds a dozen names, most of
//! different lengths, so grouping by length usually leaves one candidate, and
//! comparing it a machine word at a time costs a few instructions where
//! hashing the name and calling `memcmp` cost several dozen per look-up
//! (`docs/benchmarks.md`, "Full rescoring", measures the difference).

use crate::words::same_bytes;

/// Names mapped to values; a name may carry several values.
#[derive(Debug, Clone)]
pub(crate) struct ShortKeys<T> {
    by_len: Vec<Vec<(Box<[u8]>, T)>>,
}

impl<T> Default for ShortKeys<T> {
    fn default() -> Self {
        ShortKeys { by_len: Vec::new() }
    }
}

impl<T: Copy> ShortKeys<T> {
    /// Adds a value under `key`; values of one key are found in the order added.
    pub(crate) fn add(&mut self, key: &str, value: T) {
        let len = key.len();
        if self.by_len.len() <= len {
            self.by_len.resize_with(len + 1, Vec::new);
        }
        self.by_len[len].push((key.as_bytes().into(), value));
    }

    /// Every value under `key`, in the order added.
    #[inline]
    pub(crate) fn find<'a>(&'a self, key: &'a str) -> impl Iterator<Item = T> + 'a {
        let b = key.as_bytes();
        self.by_len
            .get(b.len())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(move |(k, _)| same_bytes(k, b))
            .map(|(_, v)| *v)
    }

    /// The first value under `key`.
    #[inline]
    pub(crate) fn first(&self, key: &str) -> Option<T> {
        self.find(key).next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_value_of_a_key_in_order() {
        let mut k = ShortKeys::default();
        k.add("path", 1);
        k.add("form", 2);
        k.add("path", 3);
        k.add("session_id", 4);
        assert_eq!(k.find("path").collect::<Vec<_>>(), [1, 3]);
        assert_eq!(k.first("form"), Some(2));
        assert_eq!(k.first("session_id"), Some(4));
        assert_eq!(k.first("sessionXid"), None);
        assert_eq!(k.first("a much longer key than any"), None);
        assert_eq!(k.first(""), None);
    }
}
