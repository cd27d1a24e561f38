//! `#[traced(..)]` on a whole `impl` block (and on a trait definition) logs exactly what the same
//! attribute on each method logs: the same entry and exit lines, the same `Type::method` names,
//! a span-id per call; a method's own `#[traced(..)]` replaces the block's options, and
//! `#[traced(off)]`, `const fn`s and `macro_rules!`-generated methods are left untraced.

mod macro_support;

use log::Level::{Debug, Error, Info};
use macro_support::{Line, expect, line};
use tests::{Record, capture};
use traced_runtime::{TraceContext, current_span_id, traced};

/// The service written with one attribute on the block.
mod block {
    use super::*;

    #[derive(Debug)]
    pub(crate) struct Service {
        pub(crate) stock: u32,
    }

    macro_rules! generated {
        () => {
            pub(crate) fn generated(&self) -> u32 {
                self.stock
            }
        };
    }

    #[traced(span, args, exit, ret, err, target = "service")]
    impl Service {
        pub(crate) fn new(stock: u32) -> Self {
            Self { stock }
        }

        pub(crate) fn order(&self, quantity: u32) -> Result<u32, String> {
            if quantity > self.stock {
                return Err(format!("only {} left", self.stock));
            }
            Ok(self.price(quantity))
        }

        pub(crate) fn price(&self, quantity: u32) -> u32 {
            quantity * 3
        }

        pub(crate) async fn reserve(&self, quantity: u32) -> Option<u32> {
            self.order(quantity).ok()
        }

        #[traced(root, level = "debug", name = "audit", target = "service")]
        pub(crate) fn audit(&self) -> Option<TraceContext> {
            TraceContext::current()
        }

        #[traced(off)]
        pub(crate) fn hot(&self) -> Option<TraceContext> {
            TraceContext::current()
        }

        pub(crate) const fn limit() -> u32 {
            10
        }

        generated!();
    }
}

/// The same service with the attribute on each method.
mod per_method {
    use super::*;

    #[derive(Debug)]
    pub(crate) struct Service {
        pub(crate) stock: u32,
    }

    impl Service {
        #[traced(span, args, exit, ret, target = "service")]
        pub(crate) fn new(stock: u32) -> Self {
            Self { stock }
        }

        #[traced(span, args, exit, ret, err, target = "service")]
        pub(crate) fn order(&self, quantity: u32) -> Result<u32, String> {
            if quantity > self.stock {
                return Err(format!("only {} left", self.stock));
            }
            Ok(self.price(quantity))
        }

        // `err` only where the function returns a `Result`, as the block applies it.
        #[traced(span, args, exit, ret, target = "service")]
        pub(crate) fn price(&self, quantity: u32) -> u32 {
            quantity * 3
        }

        #[traced(span, args, exit, ret, target = "service")]
        pub(crate) async fn reserve(&self, quantity: u32) -> Option<u32> {
            self.order(quantity).ok()
        }
    }
}

/// A line without what differs from call to call (the ids, `elapsed_us`).
fn stable(record: &Record) -> Line {
    let mut line = line(record);
    line.kvs.retain(|(key, _)| key != "elapsed_us");
    line
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
}

#[test]
fn the_block_logs_what_the_per_method_attributes_log() {
    let rt = runtime();
    let logs = capture();
    let s = per_method::Service::new(5);
    let _ = (s.order(2), s.order(9), rt.block_on(s.reserve(1)));
    let per_method: Vec<Line> = logs.records().iter().map(stable).collect();
    drop(logs);

    let logs = capture();
    let s = block::Service::new(5);
    let _ = (s.order(2), s.order(9), rt.block_on(s.reserve(1)));
    let block: Vec<Line> = logs.records().iter().map(stable).collect();

    assert_eq!(block, per_method);
    let t = "service";
    assert_eq!(
        block[..7],
        [
            expect(Info, t, "enter new", &[("stock", "5")]),
            expect(Info, t, "exit new", &[("return", "Service { stock: 5 }")]),
            expect(
                Info,
                t,
                "enter Service::order",
                &[("self", "Service { stock: 5 }"), ("quantity", "2")]
            ),
            expect(
                Info,
                t,
                "enter Service::price",
                &[("self", "Service { stock: 5 }"), ("quantity", "2")]
            ),
            expect(Info, t, "exit Service::price", &[("return", "6")]),
            expect(Info, t, "exit Service::order", &[("return", "6")]),
            expect(
                Info,
                t,
                "enter Service::order",
                &[("self", "Service { stock: 5 }"), ("quantity", "9")]
            ),
        ]
    );
    assert_eq!(
        block[7],
        expect(Error, t, "exit Service::order", &[("error", "only 5 left")]),
        "`err` applies to the method that returns a `Result`"
    );
    assert_eq!(
        block.last(),
        Some(&expect(
            Info,
            t,
            "exit Service::reserve",
            &[("return", "Some(3)")]
        ))
    );
}

#[test]
fn each_call_gets_its_own_span_under_its_callers() {
    let logs = capture();
    let request = TraceContext::new_root().child();
    let _guard = request.enter();
    let s = block::Service { stock: 5 };
    let _ = s.order(2);
    let records = logs.records();
    let entries: Vec<&Record> = records
        .iter()
        .filter(|r| r.message.starts_with("enter"))
        .collect();
    assert_eq!(entries.len(), 2);
    let (order, price) = (entries[0], entries[1]);
    let trace_id = request.trace_id().to_string();
    let request_span = request.span_id().map(|s| s.to_string());
    assert_eq!(order.trace_id(), Some(trace_id.as_str()));
    assert_eq!(price.trace_id(), Some(trace_id.as_str()));
    assert_eq!(order.parent_span_id(), request_span.as_deref());
    assert_eq!(price.parent_span_id(), order.span_id());
    assert!(order.span_id().is_some() && order.span_id() != request_span.as_deref());
    assert_ne!(price.span_id(), order.span_id());
    // Every line of a call carries the call's span-id, its exit line included.
    for r in &records {
        let span = if r.message.ends_with("price") {
            price.span_id()
        } else {
            order.span_id()
        };
        assert_eq!(r.span_id(), span, "{}", r.message);
    }
    assert_eq!(TraceContext::current(), Some(request.clone()));
}

#[test]
fn a_method_with_its_own_attribute_uses_its_own_options() {
    let logs = capture();
    let request = TraceContext::new_root();
    let _guard = request.enter();
    let audit = block::Service { stock: 1 }
        .audit()
        .expect("a context inside");
    assert_ne!(
        audit.trace_id(),
        request.trace_id(),
        "`root`: its own trace"
    );
    let records = logs.records();
    assert_eq!(
        records.iter().map(line).collect::<Vec<_>>(),
        [expect(Debug, "service", "enter audit", &[])],
        "the block's `args`, `exit` and `ret` are not added to the method's own options"
    );
    let audit_trace = audit.trace_id().to_string();
    assert_eq!(records[0].trace_id(), Some(audit_trace.as_str()));
}

#[test]
fn off_const_fns_and_generated_methods_are_left_untraced() {
    let logs = capture();
    let request = TraceContext::new_root().child();
    let _guard = request.enter();
    let s = block::Service { stock: 4 };
    assert_eq!(
        s.hot(),
        Some(request.clone()),
        "runs in its caller's context"
    );
    const LIMIT: u32 = block::Service::limit();
    assert_eq!(LIMIT, 10);
    assert_eq!(s.generated(), 4);
    assert_eq!(current_span_id(), request.span_id());
    assert_eq!(logs.messages(), Vec::<String>::new());
}

/// A trait definition under one attribute: its default bodies are traced, in each implementor.
#[traced(span)]
trait Greet {
    fn name(&self) -> String;

    fn greet(&self) -> String {
        format!("hello {}", self.name())
    }
}

#[traced(span)]
impl Greet for block::Service {
    fn name(&self) -> String {
        self.stock.to_string()
    }
}

#[test]
fn a_traced_trait_traces_its_default_bodies() {
    let logs = capture();
    assert_eq!(block::Service { stock: 7 }.greet(), "hello 7");
    let records = logs.records();
    assert_eq!(
        logs.messages(),
        ["enter Service::greet", "enter Service::name"]
    );
    assert_eq!(records[1].parent_span_id(), records[0].span_id());
}

#[async_trait::async_trait]
trait Repo {
    async fn load(&self, id: u32) -> Result<u32, String>;
}

#[derive(Debug)]
struct Above;

#[derive(Debug)]
struct Below;

// async-trait first: `#[traced]` sees `Box::pin(async move { .. })` bodies.
#[async_trait::async_trait]
#[traced(span, args, exit, ret, err)]
impl Repo for Above {
    async fn load(&self, id: u32) -> Result<u32, String> {
        if id == 0 { Err("zero".into()) } else { Ok(id) }
    }
}

// `#[traced]` first: async-trait boxes the traced futures.
#[traced(span, args, exit, ret, err)]
#[async_trait::async_trait]
impl Repo for Below {
    async fn load(&self, id: u32) -> Result<u32, String> {
        if id == 0 { Err("zero".into()) } else { Ok(id) }
    }
}

#[test]
fn async_trait_above_or_below_logs_the_same_lines() {
    let rt = runtime();
    let run = |repo: &(dyn Repo + Sync), name: &str| {
        let logs = capture();
        let _ = (rt.block_on(repo.load(1)), rt.block_on(repo.load(0)));
        let lines: Vec<Line> = logs.records().iter().map(stable).collect();
        let text = format!("{lines:?}").replace(name, "T");
        (lines.len(), text)
    };
    let (n, above) = run(&Above, "Above");
    let (_, below) = run(&Below, "Below");
    assert_eq!(n, 4, "{above}");
    assert_eq!(above, below);
    assert!(above.contains("\"enter T::load\""), "{above}");
    assert!(above.contains("(\"error\", \"zero\")"), "{above}");
}
