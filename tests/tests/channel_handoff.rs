//! Hand-off through in-process channels: an `Envelope` made by the sender carries its context,
//! and the receiver's lines, on another task or thread, carry the sender's trace-id and span-id
//! (tokio mpsc and broadcast, `std::sync::mpsc`, crossbeam); a message sent outside any trace
//! adds no ids; the receiver's own context is back after opening.

use tests::{Record, capture};
use traced_runtime::TraceContext;
use traced_runtime::channel::Envelope;

fn ids_of(records: &[Record], message: &str) -> Vec<(Option<String>, Option<String>)> {
    records
        .iter()
        .filter(|r| r.message == message)
        .map(|r| {
            (
                r.trace_id().map(str::to_owned),
                r.span_id().map(str::to_owned),
            )
        })
        .collect()
}

fn ids(ctx: &TraceContext) -> (Option<String>, Option<String>) {
    (
        Some(ctx.trace_id().to_string()),
        ctx.span_id().map(|id| id.to_string()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_mpsc_worker_lines_carry_the_senders_ids() {
    let log = capture();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Envelope<u32>>(8);
    // A long-lived worker, spawned outside any request.
    let worker = tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            job.open_async(|n| async move {
                tokio::task::yield_now().await;
                log::info!("job {n}");
            })
            .await;
            assert!(
                TraceContext::current().is_none(),
                "the worker's own context is back"
            );
        }
    });
    let first = TraceContext::new_root().child();
    let second = TraceContext::new_root().child();
    first.in_scope(|| tx.try_send(Envelope::new(1))).unwrap();
    second.in_scope(|| tx.try_send(Envelope::new(2))).unwrap();
    tx.send(Envelope::new(3)).await.unwrap();
    drop(tx);
    worker.await.unwrap();
    let records = log.records();
    assert_eq!(ids_of(&records, "job 1"), [ids(&first)]);
    assert_eq!(ids_of(&records, "job 2"), [ids(&second)]);
    assert_eq!(
        ids_of(&records, "job 3"),
        [(None, None)],
        "sent outside a trace"
    );
}

#[tokio::test]
async fn every_broadcast_receiver_opens_in_the_senders_context() {
    let log = capture();
    let (tx, mut a) = tokio::sync::broadcast::channel::<Envelope<&'static str>>(8);
    let mut b = tx.subscribe();
    let sender = TraceContext::new_root().child();
    sender.in_scope(|| tx.send(Envelope::new("event"))).unwrap();
    for (name, rx) in [("a", &mut a), ("b", &mut b)] {
        let event = rx.recv().await.unwrap();
        event.open(|e| log::info!("receiver {name} got {e}"));
    }
    let records = log.records();
    assert_eq!(ids_of(&records, "receiver a got event"), [ids(&sender)]);
    assert_eq!(ids_of(&records, "receiver b got event"), [ids(&sender)]);
}

#[test]
fn std_mpsc_thread_lines_carry_the_senders_ids() {
    let log = capture();
    let (tx, rx) = std::sync::mpsc::channel::<Envelope<u32>>();
    let worker = std::thread::spawn(move || {
        let own = TraceContext::new_root();
        let _own = own.enter();
        for job in rx {
            job.open(|n| log::info!("std job {n}"));
            assert_eq!(TraceContext::current().as_ref(), Some(&own), "restored");
        }
    });
    let sender = TraceContext::new_root().child();
    sender.in_scope(|| tx.send(Envelope::new(1))).unwrap();
    drop(tx);
    worker.join().unwrap();
    assert_eq!(ids_of(&log.records(), "std job 1"), [ids(&sender)]);
}

#[test]
fn crossbeam_thread_lines_carry_the_senders_ids() {
    let log = capture();
    let (tx, rx) = crossbeam_channel::unbounded::<Envelope<u32>>();
    let worker = std::thread::spawn(move || {
        for job in rx {
            let (ctx, n) = job.into_parts();
            let ctx = ctx.expect("sent inside a trace");
            ctx.in_scope(|| log::info!("crossbeam job {n}"));
        }
    });
    let sender = TraceContext::new_root().child();
    sender.in_scope(|| tx.send(Envelope::new(1))).unwrap();
    drop(tx);
    worker.join().unwrap();
    assert_eq!(ids_of(&log.records(), "crossbeam job 1"), [ids(&sender)]);
}

#[test]
fn a_panicking_receiver_leaves_no_context_behind() {
    let sender = TraceContext::new_root().child();
    let job = sender.in_scope(|| Envelope::new(()));
    assert_eq!(job.context(), Some(&sender));
    let result = std::panic::catch_unwind(|| job.open(|()| panic!("job failed")));
    assert!(result.is_err());
    assert!(TraceContext::current().is_none());
}
