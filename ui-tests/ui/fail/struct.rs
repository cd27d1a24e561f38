use traced_runtime::traced;

#[traced(span)]
struct Service;

fn main() {
    let _ = Service;
}
