//! A block's `fields(..)` apply to every method: a value that uses an argument (or `self`) is an
//! error under that argument's name. Values that use no argument are fine (`service` below).
use traced_runtime::traced;

struct Orders {
    region: String,
}

#[traced(fields(service = "orders", order_id = id, ?self.region))]
impl Orders {
    fn get(&self, id: u64) -> u64 {
        id
    }

    fn count() -> usize {
        0
    }
}

fn main() {}
