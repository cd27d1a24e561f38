use traced_runtime::traced;

type Answer = u8;

#[traced(err)]
fn f() -> Answer {
    42
}

fn main() {}
