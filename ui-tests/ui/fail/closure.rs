use traced_runtime::traced;

fn main() {
    let f = #[traced]
    || 1;
    let _ = f();
}
