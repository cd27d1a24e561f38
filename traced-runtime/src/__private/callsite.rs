//! The static facts of one `#[traced]` function ([`Callsite`]) and the entry, exit and error
//! lines it logs: their message (`enter Type::method`) and key-values.

use core::fmt;
use std::sync::OnceLock;
use std::time::Instant;

use ::log::kv::{self, Key, Source, Value, VisitSource};

use super::span_error;
use crate::export;

/// Key of the elapsed time (microseconds, integer) on an exit line.
pub const ELAPSED_US_KEY: &str = "elapsed_us";
/// Key of the return value (`Debug`) on an exit line.
pub const RETURN_KEY: &str = "return";
/// Key of the error (`Display`) on an error line.
pub const ERROR_KEY: &str = "error";

/// The static facts of one `#[traced]` function, built by the macro as a `static`.
#[derive(Debug)]
pub struct Callsite {
    /// The function's name (or the `name = "..."` override).
    pub name: &'static str,
    /// `"enter {name}"`, the entry line of a free function, spelled out at compile time so that
    /// a logger writes it in one piece.
    pub enter_message: &'static str,
    /// The entry line of a method, `"enter {Type}::{name}"`, formatted once. A reference to a
    /// `static` of its own: with this interior mutability inside, the callsite could not be
    /// constant-folded into the traced call (`span`, `level` and the rest would be loaded and
    /// tested on every call).
    pub method_entry: &'static MethodEntry,
    /// Log target of the entry line (the function's module unless overridden).
    pub target: &'static str,
    /// `module_path!()` at the function.
    pub module_path: &'static str,
    /// `file!()` at the function.
    pub file: &'static str,
    /// `line!()` at the function.
    pub line: u32,
    /// Level of the entry line (and of the exit line).
    pub level: log::Level,
    /// Open a child span (`#[traced(span)]`).
    pub span: bool,
    /// Start a new trace even when one is current (`#[traced(root)]`).
    pub root: bool,
}

impl Callsite {
    /// Whether the entry level passes the static and the global max level (no logger call).
    #[inline]
    #[must_use]
    pub fn enabled(&self) -> bool {
        crate::own_lines::enabled(self.level)
    }

    /// Logs the entry line; `self_type` is `type_name::<Self>()` for methods.
    #[inline]
    pub fn log_entry(&self, self_type: Option<&'static str>) {
        if self.enabled() {
            self.log_entry_slow(self_type);
        }
    }

    /// The logging half of [`log_entry`](Self::log_entry): a call with two arguments is all
    /// that is inlined into the traced fn.
    #[cold]
    #[inline(never)]
    fn log_entry_slow(&self, self_type: Option<&'static str>) {
        self.log_slow(self.level, Line::Enter, self_type, &NoKvs);
    }

    /// Logs the entry line with the arguments as key-values (`name = Debug`).
    ///
    /// Building `args` costs a few pointer copies; nothing is formatted unless the logger
    /// writes the record.
    #[inline]
    pub fn log_entry_args(
        &self,
        self_type: Option<&'static str>,
        args: &[(&'static str, &dyn fmt::Debug)],
    ) {
        if self.enabled() {
            self.log_slow(self.level, Line::Enter, self_type, &ArgKvs(args));
        }
    }

    /// The start of the call for `exit`'s elapsed time, read only when the exit line can be
    /// logged.
    #[inline]
    #[must_use]
    pub fn exit_timer(&self) -> Option<Instant> {
        if self.enabled() {
            Some(Instant::now())
        } else {
            None
        }
    }

    /// Logs the exit line at the entry level, with `elapsed_us` (when `start` is set) and
    /// `return` (when `ret` is set).
    #[inline]
    pub fn log_exit(
        &self,
        self_type: Option<&'static str>,
        start: Option<Instant>,
        ret: Option<&dyn fmt::Debug>,
    ) {
        if self.enabled() {
            let kvs = ExitKvs {
                elapsed_us: elapsed_us(start),
                ret,
                err: None,
            };
            self.log_slow(self.level, Line::Exit, self_type, &kvs);
        }
    }

    /// Logs the exit line of a call that returned `Err(err)`: at ERROR, with `error = err`
    /// (`Display`) and `elapsed_us` when `start` is set.
    #[inline]
    pub fn log_error(
        &self,
        self_type: Option<&'static str>,
        start: Option<Instant>,
        err: &dyn fmt::Display,
    ) {
        if self.span && export::is_enabled() {
            span_error::set(err);
        }
        if crate::own_lines::enabled(log::Level::Error) {
            let kvs = ExitKvs {
                elapsed_us: elapsed_us(start),
                ret: None,
                err: Some(err),
            };
            self.log_slow(log::Level::Error, Line::Exit, self_type, &kvs);
        }
    }

    #[cold]
    #[inline(never)]
    fn log_slow(
        &self,
        level: log::Level,
        line: Line,
        self_type: Option<&'static str>,
        kvs: &dyn Source,
    ) {
        // No `enabled()` pre-check: `log()` filters anyway, as it does for `log::info!`, which
        // asks the logger once, not twice.
        let emit = |message: fmt::Arguments<'_>| {
            crate::own_lines::log(
                &log::Record::builder()
                    .level(level)
                    .target(self.target)
                    .args(message)
                    .module_path_static(Some(self.module_path))
                    .file_static(Some(self.file))
                    .line(Some(self.line))
                    .key_values(kvs)
                    .build(),
            );
        };
        let entry = match (line, self_type) {
            (Line::Enter, None) => Some(self.enter_message),
            (Line::Enter, Some(ty)) => self.method_entry.message(ty, self.name),
            (Line::Exit, _) => None,
        };
        // A back end that shows no key-values (fern, simple_logger, tracing-log's `LogTracer`)
        // would lose the values of `args`, `ret`, `err` and `exit`: they go into the message
        // too, as `tracing` writes its fields when it logs to `log` (see
        // `logger::set_values_in_message`; off under traced's own outputs, which print key-values).
        let inline = (crate::logger::values_in_message() && kvs.count() > 0).then_some(kvs);
        match (entry, inline) {
            (Some(message), None) => emit(format_args!("{message}")),
            (Some(message), Some(kvs)) => emit(format_args!("{message}{}", InlineKvs(kvs))),
            (None, inline) => {
                let name = QualifiedName {
                    self_type,
                    name: self.name,
                };
                let what = match line {
                    Line::Enter => "enter",
                    Line::Exit => "exit",
                };
                match inline {
                    None => emit(format_args!("{what} {name}")),
                    Some(kvs) => emit(format_args!("{what} {name}{}", InlineKvs(kvs))),
                }
            }
        }
    }
}

/// Which line of a traced call is logged.
#[derive(Clone, Copy)]
enum Line {
    Enter,
    Exit,
}

/// The entry message of a method, `enter {Type}::{name}`, formatted on first use and kept.
///
/// `Type` comes from `type_name::<Self>()` at run time. A `static` in a generic function is
/// shared by all its instantiations, so the message is kept with the type name it was made for
/// and used only when the type name is the same one; other types format theirs each time.
#[derive(Debug)]
pub struct MethodEntry(OnceLock<(&'static str, Box<str>)>);

impl MethodEntry {
    /// Nothing formatted yet.
    #[must_use]
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }

    fn message(&self, self_type: &'static str, name: &'static str) -> Option<&str> {
        let (made_for, message) = self.0.get_or_init(|| {
            let name = QualifiedName {
                self_type: Some(self_type),
                name,
            };
            (self_type, format!("enter {name}").into_boxed_str())
        });
        // Same address and length: the same `type_name` string.
        core::ptr::eq(*made_for, self_type).then_some(&**message)
    }
}

impl Default for MethodEntry {
    fn default() -> Self {
        Self::new()
    }
}

fn elapsed_us(start: Option<Instant>) -> Option<u64> {
    start.map(|start| u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX))
}

/// `Type::method`, with the type's module path and generic arguments' paths shortened.
/// ` key=value` for each key-value (Display of the value).
struct InlineKvs<'a>(&'a dyn Source);

impl fmt::Display for InlineKvs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Write<'a, 'b>(&'a mut fmt::Formatter<'b>, fmt::Result);
        impl<'kvs> VisitSource<'kvs> for Write<'_, '_> {
            fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
                self.1 = self.1.and_then(|()| write!(self.0, " {key}={value}"));
                Ok(())
            }
        }
        let mut write = Write(f, Ok(()));
        // `Write` never fails the visit; a formatter error is kept and returned.
        let _ = self.0.visit(&mut write);
        write.1
    }
}

struct QualifiedName {
    self_type: Option<&'static str>,
    name: &'static str,
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ty) = self.self_type {
            f.write_str(short_type_name(ty))?;
            f.write_str("::")?;
        }
        f.write_str(self.name)
    }
}

/// `my_app::api::Controller<my_app::T>` -> `Controller<my_app::T>`.
fn short_type_name(full: &str) -> &str {
    let head = full.find('<').map_or(full, |generics| &full[..generics]);
    head.rfind("::").map_or(full, |sep| &full[sep + 2..])
}

struct NoKvs;

impl Source for NoKvs {
    fn visit<'kvs>(&'kvs self, _: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        Ok(())
    }
}

/// The arguments of an entry line.
struct ArgKvs<'a>(&'a [(&'static str, &'a dyn fmt::Debug)]);

impl Source for ArgKvs<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        for (name, value) in self.0 {
            visitor.visit_pair(Key::from_str(name), Value::from_dyn_debug(*value))?;
        }
        Ok(())
    }
}

/// The key-values of an exit line.
struct ExitKvs<'a> {
    elapsed_us: Option<u64>,
    ret: Option<&'a dyn fmt::Debug>,
    err: Option<&'a dyn fmt::Display>,
}

impl Source for ExitKvs<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        if let Some(us) = self.elapsed_us {
            visitor.visit_pair(Key::from_str(ELAPSED_US_KEY), Value::from(us))?;
        }
        if let Some(ret) = self.ret {
            visitor.visit_pair(Key::from_str(RETURN_KEY), Value::from_dyn_debug(ret))?;
        }
        if let Some(err) = self.err {
            visitor.visit_pair(Key::from_str(ERROR_KEY), Value::from_dyn_display(err))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_names() {
        assert_eq!(short_type_name("app::api::Controller"), "Controller");
        assert_eq!(short_type_name("Controller"), "Controller");
        assert_eq!(short_type_name("app::Wrapper<app::T>"), "Wrapper<app::T>");
    }
}
