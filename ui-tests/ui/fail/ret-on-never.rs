use traced_runtime::traced;

#[traced(exit, ret)]
fn forever() -> ! {
    loop {}
}

fn main() {}
