//! `ret` and `args` on a block apply to each method; a method whose return value or argument is
//! not `Debug` is an error under its return type or argument, in its own signature.
use traced_runtime::traced;

#[derive(Debug)]
struct Repo;

struct Row;
struct Secret;

#[traced(args, ret)]
impl Repo {
    fn count(&self) -> usize {
        0
    }

    fn row(&self) -> Row {
        Row
    }

    fn login(&self, user: u8, secret: Secret) -> bool {
        let _ = secret;
        user > 0
    }
}

fn main() {}
