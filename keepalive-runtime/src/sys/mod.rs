//! Platform branches: the option numbers, units and system calls of each OS.
//!
//! Each branch offers the same four functions:
//! - `apply_enabled`: set the written knobs, then turn keep-alive on, last;
//! - `read_knob`: read one knob back, or `None` where the OS cannot;
//! - `after_accept`: what an accepted socket needs that it did not inherit.

use core::time::Duration;

use keepalive_core::{KnobValue, Unit};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// A knob's value in the option's unit, rounded up (a sub-second time never becomes 0 s,
/// which the OS would refuse or read as "default"), saturated to the C `int` range so the
/// OS, not a silent wrap, refuses what is too large.
#[cfg_attr(windows, allow(dead_code))]
pub(crate) fn to_os(value: KnobValue, unit: Unit) -> i32 {
    let wide: u128 = match (value, unit) {
        (KnobValue::Count(n), _) => u128::from(n),
        (KnobValue::Time(d), Unit::Millis) => d.as_nanos().div_ceil(1_000_000),
        (KnobValue::Time(d), Unit::Seconds | Unit::Count) => d.as_nanos().div_ceil(1_000_000_000),
    };
    i32::try_from(wide).unwrap_or(i32::MAX)
}

/// A value the OS returned, in the option's unit.
pub(crate) fn from_os(raw: i32, unit: Unit) -> KnobValue {
    let raw = u32::try_from(raw).unwrap_or(0);
    match unit {
        Unit::Seconds => KnobValue::Time(Duration::from_secs(u64::from(raw))),
        Unit::Millis => KnobValue::Time(Duration::from_millis(u64::from(raw))),
        Unit::Count => KnobValue::Count(raw),
    }
}
