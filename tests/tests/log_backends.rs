//! The set-up the `log` module's docs give for each back end shows the ids: env_logger (its
//! `kv` feature prints key-values), log4rs (`{K(trace_id)}` with its `log_kv` feature, or
//! `ids()` in an encoder), fern and flexi_logger (no key-values: `ids()` in the format).
//! Each back end is used as a plain `log::Log` here, not installed globally.

mod tracing_support;

use log::{Level, Log, Record};
use traced_runtime::TraceContext;
use traced_runtime::logger::TracedLogger;
use tracing_support::Buffer;

/// Logs one INFO record `charged` (target `shop`) through `logger` inside a trace with a span.
fn log_in_context(logger: &dyn Log) -> TraceContext {
    let ctx = TraceContext::new_root().child();
    ctx.in_scope(|| {
        logger.log(
            &Record::builder()
                .args(format_args!("charged"))
                .level(Level::Info)
                .target("shop")
                .build(),
        );
    });
    logger.flush();
    ctx
}

fn ids_of(ctx: &TraceContext) -> String {
    format!("[{}] [{}]", ctx.trace_id(), ctx.span_id().unwrap())
}

#[test]
fn env_logger_with_its_kv_feature_prints_the_stamped_key_values() {
    let out = Buffer::default();
    let logger = TracedLogger::new(
        env_logger::Builder::new()
            .filter_level(log::LevelFilter::Info)
            .target(env_logger::Target::Pipe(Box::new(out.clone())))
            .write_style(env_logger::WriteStyle::Never)
            .build(),
    );
    let ctx = log_in_context(&logger);
    let lines = out.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let expected = format!(
        "charged trace_id={} span_id={} parent_span_id={}",
        ctx.trace_id(),
        ctx.span_id().unwrap(),
        ctx.parent_span_id()
            .map_or(String::new(), |p| p.to_string()),
    );
    // No parent on a root's first child: env_logger prints only what is there.
    let expected = expected.trim_end_matches(" parent_span_id=");
    assert!(lines[0].contains(expected), "{} !~ {expected}", lines[0]);
}

#[test]
fn fern_shows_the_ids_through_ids_in_its_format() {
    let out = Buffer::default();
    let (_, logger) = fern::Dispatch::new()
        .format(|out, message, record| {
            out.finish(format_args!(
                "{} {} {}: {}",
                traced_runtime::logger::ids(),
                record.level(),
                record.target(),
                message
            ));
        })
        .level(log::LevelFilter::Info)
        .chain(Box::new(out.clone()) as Box<dyn std::io::Write + Send>)
        .into_log();
    let ctx = log_in_context(&*logger);
    assert_eq!(
        out.take_lines(),
        [format!("{} INFO shop: charged", ids_of(&ctx))]
    );
}

#[test]
fn flexi_logger_shows_the_ids_through_ids_in_its_format_function() {
    fn format(
        w: &mut dyn std::io::Write,
        _now: &mut flexi_logger::DeferredNow,
        record: &Record<'_>,
    ) -> std::io::Result<()> {
        write!(
            w,
            "{} {} {}: {}",
            traced_runtime::logger::ids(),
            record.level(),
            record.target(),
            record.args()
        )
    }
    let dir = std::env::temp_dir().join(format!("traced-flexi-{}", std::process::id()));
    let (logger, handle) = flexi_logger::Logger::try_with_str("info")
        .unwrap()
        .format(format)
        .log_to_file(
            flexi_logger::FileSpec::default()
                .directory(&dir)
                .basename("backend")
                .suppress_timestamp(),
        )
        .write_mode(flexi_logger::WriteMode::Direct)
        .build()
        .unwrap();
    let ctx = log_in_context(&*logger);
    drop(handle);
    let written = std::fs::read_to_string(dir.join("backend.log")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        written.lines().collect::<Vec<_>>(),
        [format!("{} INFO shop: charged", ids_of(&ctx))]
    );
}

mod log4rs_support {
    use log4rs::append::Append;
    use log4rs::config::{Appender, Config, Root};
    use log4rs::encode::Encode;
    use log4rs::encode::writer::simple::SimpleWriter;

    use super::Buffer;

    /// An appender writing into a [`Buffer`] through `encoder`.
    #[derive(Debug)]
    pub(super) struct Capture {
        pub(super) encoder: Box<dyn Encode>,
        pub(super) out: Buffer,
    }

    impl Append for Capture {
        fn append(&self, record: &log::Record<'_>) -> anyhow::Result<()> {
            self.encoder
                .encode(&mut SimpleWriter(self.out.clone()), record)
        }

        fn flush(&self) {}
    }

    /// `encoder` before the ids: the set-up for a log4rs pattern without key-values.
    #[derive(Debug)]
    pub(super) struct WithIds<E>(pub(super) E);

    impl<E: Encode> Encode for WithIds<E> {
        fn encode(
            &self,
            w: &mut dyn log4rs::encode::Write,
            record: &log::Record<'_>,
        ) -> anyhow::Result<()> {
            write!(w, "{} ", traced_runtime::logger::ids())?;
            self.0.encode(w, record)
        }
    }

    /// A log4rs logger whose only appender is `capture`.
    pub(super) fn logger(capture: Capture) -> log4rs::Logger {
        let config = Config::builder()
            .appender(Appender::builder().build("capture", Box::new(capture)))
            .build(
                Root::builder()
                    .appender("capture")
                    .build(log::LevelFilter::Info),
            )
            .unwrap();
        log4rs::Logger::new(config)
    }
}

#[test]
fn log4rs_with_log_kv_shows_the_stamped_key_values_in_its_pattern() {
    use log4rs::encode::pattern::PatternEncoder;
    let out = Buffer::default();
    let logger = TracedLogger::new(log4rs_support::logger(log4rs_support::Capture {
        encoder: Box::new(PatternEncoder::new(
            "[{K(trace_id)(-)}] [{K(span_id)(-)}] {l} {t}: {m}{n}",
        )),
        out: out.clone(),
    }));
    let ctx = log_in_context(&logger);
    assert_eq!(
        out.take_lines(),
        [format!("{} INFO shop: charged", ids_of(&ctx))]
    );
}

#[test]
fn log4rs_without_key_values_shows_the_ids_through_an_encoder_that_writes_ids() {
    use log4rs::encode::pattern::PatternEncoder;
    let out = Buffer::default();
    let logger = log4rs_support::logger(log4rs_support::Capture {
        encoder: Box::new(log4rs_support::WithIds(PatternEncoder::new(
            "{l} {t}: {m}{n}",
        ))),
        out: out.clone(),
    });
    let ctx = log_in_context(&logger);
    assert_eq!(
        out.take_lines(),
        [format!("{} INFO shop: charged", ids_of(&ctx))]
    );
}

#[test]
fn ids_alternate_form_is_key_value_and_leaves_out_a_missing_id() {
    let ctx = TraceContext::new_root();
    let text = ctx.in_scope(|| format!("{:#}", traced_runtime::logger::ids()));
    assert_eq!(text, format!("trace_id={}", ctx.trace_id()));
    assert_eq!(format!("{:#}", traced_runtime::logger::ids()), "");
}
