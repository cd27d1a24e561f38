//! `#[traced]` on a trait impl with generics and where-clauses, and on a trait definition (its
//! default bodies; the fns without one are left alone).
use std::fmt::Debug;

use traced_runtime::traced;

#[derive(Debug)]
struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

#[traced(span, args, ret, err)]
trait Repo<K: Debug>: Debug {
    fn load(&self, key: K) -> Result<String, NotFound>;

    fn load_or(&self, key: K, default: &str) -> String {
        self.load(key).unwrap_or_else(|_| default.to_owned())
    }

    fn count(&self) -> usize {
        0
    }
}

#[derive(Debug)]
struct Db<T>(Vec<T>);

#[traced(span, args, ret, err)]
impl<T> Repo<usize> for Db<T>
where
    T: Debug + ToString,
{
    fn load(&self, key: usize) -> Result<String, NotFound> {
        self.0.get(key).map(ToString::to_string).ok_or(NotFound)
    }

    fn count(&self) -> usize {
        self.0.len()
    }
}

fn main() {
    let db = Db(vec![1, 2]);
    assert_eq!(db.load(1).unwrap(), "2");
    assert_eq!(db.load_or(5, "none"), "none");
    assert_eq!(db.count(), 2);
}
