use traced_runtime::traced;

#[traced(args, skip_all)]
fn f(a: u8) {
    let _ = a;
}

#[traced(skip(a), skip_all)]
fn g(a: u8) {
    let _ = a;
}

fn main() {}
