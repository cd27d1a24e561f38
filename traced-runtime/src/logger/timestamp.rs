//! The line's timestamp, RFC 3339 in UTC with microseconds (`2026-11-23T19:26:44.123456Z`, 27
//! bytes), written from a per-thread cache of the formatted second: within one second a line
//! copies the first 20 bytes and writes only the 6 digits of the microseconds.

use core::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of a timestamp in bytes.
pub(super) const LEN: usize = 27;

/// `YYYY-MM-DDTHH:MM:SS.` of one second since the Unix epoch.
type Second = (u64, [u8; 20]);

thread_local! {
    /// The last second this thread formatted (`u64::MAX`: none yet).
    static LAST: Cell<Second> = const { Cell::new((u64::MAX, [0; 20])) };
}

/// Two decimal digits of every value below 100.
const DIGITS: [[u8; 2]; 100] = {
    let mut table = [[0; 2]; 100];
    let mut i = 0;
    while i < 100 {
        table[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    table
};

/// Writes the current time into `out` and returns it as text.
#[inline]
pub(super) fn now(out: &mut [u8; LEN]) -> &str {
    // Before 1970 (a clock set wrong) writes the epoch rather than failing the line.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    write(since.as_secs(), since.subsec_micros(), out)
}

/// Writes second `secs` since the Unix epoch and `micros` into `out`.
pub(super) fn write(secs: u64, micros: u32, out: &mut [u8; LEN]) -> &str {
    let cached = LAST.try_with(Cell::get).ok().filter(|(s, _)| *s == secs);
    let prefix = match cached {
        Some((_, prefix)) => prefix,
        None => {
            let prefix = format_second(secs);
            let _ = LAST.try_with(|last| last.set((secs, prefix)));
            prefix
        }
    };
    out[..20].copy_from_slice(&prefix);
    let micros = micros.min(999_999) as usize;
    out[20..22].copy_from_slice(&DIGITS[micros / 10_000]);
    out[22..24].copy_from_slice(&DIGITS[micros / 100 % 100]);
    out[24..26].copy_from_slice(&DIGITS[micros % 100]);
    out[26] = b'Z';
    // Every byte written above is ASCII.
    core::str::from_utf8(out).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS.` of `secs` since the Unix epoch (years past 9999 wrap their digits;
/// they are 250 000 years away).
fn format_second(secs: u64) -> [u8; 20] {
    let days = secs / 86_400;
    let in_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut out = *b"0000-00-00T00:00:00.";
    let year = (year % 10_000) as usize;
    out[0..2].copy_from_slice(&DIGITS[year / 100]);
    out[2..4].copy_from_slice(&DIGITS[year % 100]);
    out[5..7].copy_from_slice(&DIGITS[month as usize]);
    out[8..10].copy_from_slice(&DIGITS[day as usize]);
    out[11..13].copy_from_slice(&DIGITS[(in_day / 3600) as usize]);
    out[14..16].copy_from_slice(&DIGITS[(in_day / 60 % 60) as usize]);
    out[17..19].copy_from_slice(&DIGITS[(in_day % 60) as usize]);
    out
}

/// The proleptic Gregorian date of day `days` since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, <https://howardhinnant.github.io/date_algorithms.html#civil_from_days>).
fn civil_from_days(days: u64) -> (u64, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        let mut out = [0; LEN];
        assert_eq!(write(0, 0, &mut out), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            write(1_795_462_004, 123_456, &mut out),
            "2026-11-23T19:26:44.123456Z"
        );
        // Cached second, other microseconds.
        assert_eq!(
            write(1_795_462_004, 7, &mut out),
            "2026-11-23T19:26:44.000007Z"
        );
        assert_eq!(
            write(951_782_400, 999_999, &mut out),
            "2000-02-29T00:00:00.999999Z"
        );
        assert_eq!(
            write(4_107_542_399, 0, &mut out),
            "2100-02-28T23:59:59.000000Z"
        );
        assert_eq!(
            write(253_402_300_799, 0, &mut out),
            "9999-12-31T23:59:59.000000Z"
        );
    }

    #[test]
    fn every_day_of_four_centuries_is_the_next_date() {
        let (mut y, mut m, mut d) = (1970_u64, 1_u32, 1_u32);
        for days in 0..146_097 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ][m as usize - 1];
            d += 1;
            if d > len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }
}
