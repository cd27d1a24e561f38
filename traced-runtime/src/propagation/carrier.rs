//! Carriers: where propagation headers are read from ([`Extractor`]) and written to
//! ([`Injector`]).
//!
//! A carrier is any string map that travels with a request or a job: HTTP headers, gRPC metadata,
//! a message's attributes, a job payload's `HashMap<String, String>`. Field names are compared
//! ASCII case-insensitively, as HTTP does
//! ([W3C Trace Context §3.1](https://www.w3.org/TR/trace-context/#relationship-between-the-headers)),
//! and this crate always writes them in lowercase.

use std::collections::HashMap;
use std::hash::BuildHasher;

/// Read access to a carrier's fields.
///
/// Implemented for `HashMap<String, String>` and, with the `http` feature, for
/// `http::HeaderMap` and `http::Request<B>`.
///
/// ```
/// use traced_runtime::propagation::Extractor;
///
/// struct Pairs(Vec<(String, String)>);
///
/// impl Extractor for Pairs {
///     fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
///         self.0.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_bytes())
///     }
/// }
/// ```
pub trait Extractor {
    /// Every value of the field `name` (given in lowercase ASCII), in the order received.
    ///
    /// Values are raw bytes because HTTP field values need not be UTF-8; the parsers reject what
    /// is not ASCII. Returning several values lets the caller tell a duplicated `traceparent`
    /// (invalid) from a `tracestate` or `baggage` split over several headers (joined in order).
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]>;

    /// Every field name of the carrier, in any order (a name may repeat).
    ///
    /// Only formats whose field names are not fixed need it: Jaeger's `uberctx-{key}` baggage.
    /// The default lists none, so a carrier that does not override it carries no Jaeger
    /// baggage in; everything else works.
    fn keys(&self) -> impl Iterator<Item = &str> {
        core::iter::empty()
    }
}

/// Write access to a carrier's fields.
///
/// Implemented for `HashMap<String, String>` and, with the `http` feature, for
/// `http::HeaderMap` and `http::Request<B>`.
pub trait Injector {
    /// Sets the field `name` (lowercase ASCII) to `value` (visible ASCII, spaces and tabs),
    /// replacing every earlier value of that field.
    fn set(&mut self, name: &str, value: String);
}

impl<T: Extractor + ?Sized> Extractor for &T {
    #[inline]
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        (**self).get_all(name)
    }

    #[inline]
    fn keys(&self) -> impl Iterator<Item = &str> {
        (**self).keys()
    }
}

impl<T: Injector + ?Sized> Injector for &mut T {
    #[inline]
    fn set(&mut self, name: &str, value: String) {
        (**self).set(name, value);
    }
}

impl<S: BuildHasher> Extractor for HashMap<String, String, S> {
    /// Values of every key equal to `name` ignoring ASCII case. A map built by
    /// [`inject`](super::inject) holds one lowercase key per field, which is found first.
    ///
    /// When several keys differ only in case, their order is the map's iteration order.
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        let exact = self.get_key_value(name);
        let others = self
            .iter()
            .filter(move |(k, _)| k.as_str() != name && k.eq_ignore_ascii_case(name));
        exact.into_iter().chain(others).map(|(_, v)| v.as_bytes())
    }

    /// The map's keys.
    fn keys(&self) -> impl Iterator<Item = &str> {
        HashMap::keys(self).map(String::as_str)
    }
}

impl<S: BuildHasher> Injector for HashMap<String, String, S> {
    /// Inserts `name` in lowercase and removes keys that differ from it only in case.
    fn set(&mut self, name: &str, value: String) {
        if self
            .keys()
            .any(|k| k != name && k.eq_ignore_ascii_case(name))
        {
            self.retain(|k, _| !k.eq_ignore_ascii_case(name));
        }
        self.insert(name.to_ascii_lowercase(), value);
    }
}

#[cfg(feature = "http")]
mod http_impls {
    use http::header::{HeaderMap, HeaderName, HeaderValue};

    use super::{Extractor, Injector};
    use crate::propagation::{BAGGAGE_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER};

    /// The three W3C header names, built once: looking a `&str` up in a `HeaderMap` validates
    /// and lower-cases it into a `HeaderName` first, on every lookup.
    fn w3c_name(name: &str) -> Option<HeaderName> {
        const TRACEPARENT: HeaderName = HeaderName::from_static(TRACEPARENT_HEADER);
        const TRACESTATE: HeaderName = HeaderName::from_static(TRACESTATE_HEADER);
        const BAGGAGE: HeaderName = HeaderName::from_static(BAGGAGE_HEADER);
        match name {
            TRACEPARENT_HEADER => Some(TRACEPARENT),
            TRACESTATE_HEADER => Some(TRACESTATE),
            BAGGAGE_HEADER => Some(BAGGAGE),
            _ => None,
        }
    }

    impl<T> Extractor for HeaderMap<T>
    where
        T: AsRef<[u8]>,
    {
        /// Every value of the header `name`, in the order received. An invalid header name has no
        /// values.
        fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
            let values = match w3c_name(name) {
                Some(name) => HeaderMap::get_all(self, name),
                None => HeaderMap::get_all(self, name),
            };
            values.iter().map(AsRef::as_ref)
        }

        /// The header names (lowercase).
        fn keys(&self) -> impl Iterator<Item = &str> {
            HeaderMap::keys(self).map(HeaderName::as_str)
        }
    }

    impl Injector for HeaderMap {
        /// Replaces the header `name`. A name or value that HTTP does not allow is skipped (the
        /// values this crate writes are always valid).
        fn set(&mut self, name: &str, value: String) {
            let name = w3c_name(name).map_or_else(|| HeaderName::from_bytes(name.as_bytes()), Ok);
            if let (Ok(name), Ok(value)) = (name, HeaderValue::try_from(value)) {
                self.insert(name, value);
            }
        }
    }

    impl<B> Extractor for http::Request<B> {
        /// The request's headers.
        fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
            Extractor::get_all(self.headers(), name)
        }

        /// The request's header names.
        fn keys(&self) -> impl Iterator<Item = &str> {
            Extractor::keys(self.headers())
        }
    }

    impl<B> Injector for http::Request<B> {
        /// Sets a header of the request.
        fn set(&mut self, name: &str, value: String) {
            self.headers_mut().set(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_map_is_case_insensitive() {
        let mut map = HashMap::new();
        map.insert("TraceParent".to_owned(), "a".to_owned());
        assert_eq!(map.get_all("traceparent").collect::<Vec<_>>(), [b"a"]);
        map.set("traceparent", "b".to_owned());
        assert_eq!(map.len(), 1);
        assert_eq!(map["traceparent"], "b");
    }
}
