//! Options that name one signature are errors at block level, under their token.
use traced_runtime::traced;

struct A;

#[traced(span, name = "one")]
impl A {
    fn f(&self) {}
}

struct B;

#[traced(skip(password))]
impl B {
    fn login(&self, password: &str) -> bool {
        password.is_empty()
    }
}

struct C;

#[traced(off)]
impl C {
    fn f(&self) {}
}

fn main() {}
