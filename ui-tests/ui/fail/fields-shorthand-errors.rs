use traced_runtime::traced;

struct NoFormat;

#[traced(fields(type))]
fn keyword_shorthand() {}

#[traced(fields(?value))]
fn not_debug(value: NoFormat) {}

#[traced(fields(%value))]
fn not_display(value: NoFormat) {}

#[traced(fields(key = ?value))]
fn valued_not_debug(value: NoFormat) {}

#[traced(fields(?key = 1))]
fn sigil_on_the_key() {}

#[traced(fields(_a.id, _b.id))]
fn same_last_segment(_a: (u8,), _b: (u8,)) {}

fn main() {}
