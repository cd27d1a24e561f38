//! User fields carried by a [`TraceContext`](crate::TraceContext): a small, ordered map of string
//! keys to string values (a mapped diagnostic context).

use core::fmt;
use std::borrow::Cow;
use std::sync::Arc;

type Entry = (Cow<'static, str>, Box<str>);

/// An ordered set of `key = value` string pairs attached to a trace context.
///
/// Keys are unique; setting an existing key replaces its value in place. The set is shared
/// behind an `Arc`: cloning a context (for every child span, task or thread) is one reference
/// count increment, and an empty set is a null pointer, so contexts without fields allocate
/// nothing. Adding a field copies the (small) set once.
///
/// One pointer wide (a thin `Arc` to a boxed slice, not a fat `Arc<[_]>`), which keeps
/// [`TraceContext`](crate::TraceContext) at 64 bytes: handing a context off copies it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields(Option<Arc<Box<[Entry]>>>);

impl Fields {
    /// The empty set.
    pub const EMPTY: Self = Self(None);

    /// Number of fields.
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether there are no fields.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The value of `key`, if set.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Iterates over `(key, value)` pairs in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.entries().iter().map(|(k, v)| (&**k, &**v))
    }

    #[inline]
    fn entries(&self) -> &[Entry] {
        self.0.as_deref().map_or(&[], |entries| entries)
    }

    /// Returns a copy of this set with `key` set to `value`.
    #[must_use]
    pub(crate) fn with(&self, key: Cow<'static, str>, value: String) -> Self {
        let entries = self.entries();
        let mut next: Vec<Entry> = Vec::with_capacity(entries.len() + 1);
        next.extend_from_slice(entries);
        match next.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value.into_boxed_str(),
            None => next.push((key, value.into_boxed_str())),
        }
        Self(Some(Arc::new(next.into_boxed_slice())))
    }
}

impl Fields {
    /// Returns a copy of this set with every `(key, value)` of `entries` set in order: one copy
    /// of the set for all of them (a later duplicate replaces the earlier value in place).
    #[must_use]
    pub(crate) fn with_all(
        &self,
        entries: impl IntoIterator<Item = (Cow<'static, str>, String)>,
    ) -> Self {
        let mut next: Vec<Entry> = self.entries().to_vec();
        for (key, value) in entries {
            match next.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value.into_boxed_str(),
                None => next.push((key, value.into_boxed_str())),
            }
        }
        if next.is_empty() {
            return Self::EMPTY;
        }
        Self(Some(Arc::new(next.into_boxed_slice())))
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_one_thin_pointer() {
        // A fat `Arc<[_]>` here made `TraceContext` 80 bytes instead of 64.
        assert_eq!(size_of::<Fields>(), size_of::<usize>());
    }

    #[test]
    fn replace_keeps_position() {
        let f = Fields::EMPTY
            .with("a".into(), "1".into())
            .with("b".into(), "2".into())
            .with("a".into(), "3".into());
        assert_eq!(f.iter().collect::<Vec<_>>(), [("a", "3"), ("b", "2")]);
        assert_eq!(f.get("b"), Some("2"));
        assert_eq!(f.len(), 2);
        assert!(Fields::EMPTY.is_empty());
    }

    #[test]
    fn with_all_is_repeated_with_in_one_copy() {
        let base = Fields::EMPTY.with("a".into(), "1".into());
        let entries = [("b", "2"), ("a", "3"), ("c", "4"), ("b", "5")];
        let one_by_one = entries
            .iter()
            .fold(base.clone(), |f, (k, v)| f.with((*k).into(), (*v).into()));
        let at_once = base.with_all(entries.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        assert_eq!(at_once, one_by_one);
        assert_eq!(
            at_once.iter().collect::<Vec<_>>(),
            [("a", "3"), ("b", "5"), ("c", "4")]
        );
        assert!(Fields::EMPTY.with_all([]).is_empty());
    }
}
