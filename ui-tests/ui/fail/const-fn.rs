use traced_runtime::traced;

#[traced]
const fn f() -> u8 {
    1
}

fn main() {
    let _ = f();
}
