//! `#[traced(off)]` leaves a fn out of its block's attribute and takes no other option.
use traced_runtime::traced;

struct S;

#[traced(span)]
impl S {
    #[traced(off, span)]
    fn f(&self) {}
}

fn main() {}
