use traced_runtime::traced;

#[traced(err)]
fn unit() {}

#[traced(span, err)]
fn option() -> Option<u8> {
    None
}

#[traced(err)]
async fn async_unit() {}

fn main() {}
