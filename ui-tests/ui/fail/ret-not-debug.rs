use traced_runtime::traced;

struct Opaque;

#[traced(ret)]
fn f() -> Opaque {
    Opaque
}

fn main() {}
