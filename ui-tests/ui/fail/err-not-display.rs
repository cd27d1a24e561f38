use traced_runtime::traced;

struct Opaque;

#[traced(err)]
fn f() -> Result<(), Opaque> {
    Ok(())
}

fn main() {}
