#![deny(unused_variables, unreachable_code)]

use traced_runtime::traced;

#[traced(span)]
fn plain() {
    let unused = 1;
}

#[traced(span, exit, ret)]
fn inspected() -> u8 {
    return 1;
    2
}

#[traced(span)]
async fn in_async() {
    let also_unused = 2;
}

fn main() {}
