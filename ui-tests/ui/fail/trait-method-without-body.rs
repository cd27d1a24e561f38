use traced_runtime::traced;

trait Service {
    #[traced(span)]
    fn call(&self) -> u8;
}

fn main() {}
