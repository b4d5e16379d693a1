//! Platform branches: the option numbers, units and system calls of each OS.
//!
//! Each branch offers the same four functions:
//! - `apply_enabled`: set the written knobs and turn keep-alive on, in the order of the
//!   target's `ApplyPlan` for a connected socket or a listener; with a [`Applied`]
//!   record, a knob the OS lacks is left out and recorded instead of failing;
//! - `read_knob`: read one knob back, or `None` where the OS cannot;
//! - `after_accept`: the plan's `accepted` steps, what an accepted socket did not inherit.

use core::time::Duration;
use std::io;

use keepalive_core::{Knob, KnobValue, TARGET, Unit};

use crate::error::{Error, is_no_such_option};
use crate::outcome::{Applied, LeftOut, OptionsSet};

pub(crate) mod conn_info;

#[cfg(unix)]
mod unix;
/// Raw get/setsockopt, hidden at the crate root for the tests and benches.
#[cfg(unix)]
pub use unix::sockopt;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::sockopt;
#[cfg(windows)]
pub(crate) use windows::*;

/// A knob's value in the option's unit, rounded up (a sub-second time never becomes 0 s,
/// which the OS would refuse or read as "default"), saturated to the C `int` range so the
/// OS, not a silent wrap, refuses what is too large. The checks keep every written value
/// within the table's range, which no row lets exceed `i32::MAX`.
#[cfg_attr(windows, allow(dead_code))]
pub(crate) fn to_os(value: KnobValue, unit: Unit) -> i32 {
    let wide: u64 = match (value, unit.step_nanos()) {
        (KnobValue::Count(n), _) => u64::from(n),
        // u64 arithmetic for the common units: a u128 division costs more than the rest of
        // the conversion.
        (KnobValue::Time(d), Some(1_000_000_000)) => {
            d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
        }
        (KnobValue::Time(d), Some(1_000_000)) => d
            .as_secs()
            .saturating_mul(1_000)
            .saturating_add(u64::from(d.subsec_nanos().div_ceil(1_000_000))),
        // Ticks (NetBSD's 500 ms, DragonFly's 10 ms, the latter sent as milliseconds).
        (KnobValue::Time(d), Some(step)) => u64::try_from(d.as_nanos().div_ceil(u128::from(step)))
            .unwrap_or(u64::MAX)
            .saturating_mul(unit.sent_per_step()),
        (KnobValue::Time(d), None) => d.as_secs(),
    };
    i32::try_from(wide).unwrap_or(i32::MAX)
}

/// A value the OS returned, in the option's unit.
pub(crate) fn from_os(raw: i32, unit: Unit) -> KnobValue {
    let raw = u32::try_from(raw).unwrap_or(0);
    // DragonFly returns milliseconds (whole ticks of 10 ms): `sent_nanos`, not the step.
    match unit.sent_nanos() {
        Some(nanos) => KnobValue::Time(Duration::from_nanos(u64::from(raw) * nanos)),
        None => KnobValue::Count(raw),
    }
}

/// What the platform table says the OS does where `knob`'s option is refused at run time.
fn instead(knob: Knob) -> Option<&'static str> {
    TARGET?.support(knob).option()?.fallback
}

/// A knob with no per-socket option on this OS (known while compiling): an error, or with a
/// best-effort record, recorded as left out.
#[cfg_attr(windows, allow(dead_code))]
pub(crate) fn no_option(knob: Knob, best_effort: Option<&mut Applied>) -> Result<(), Error> {
    let Some(record) = best_effort else {
        return Err(Error::Unsupported { knob });
    };
    record.leave_out(LeftOut {
        knob,
        option: knob.key(),
        os_error: None,
        instead: TARGET.and_then(|p| match p.support(knob) {
            keepalive_core::Support::Unsupported(why) => Some(*why),
            keepalive_core::Support::Option(_) => None,
        }),
    });
    Ok(())
}

/// The OS refused to set `option` for `knob`. "No such option" (ENOPROTOOPT,
/// WSAENOPROTOOPT: this OS build lacks it) is [`Error::Unavailable`], or with a best-effort
/// record, recorded as left out and `Ok`. Any other refusal is [`Error::Set`].
pub(crate) fn refused(
    knob: Knob,
    option: &'static str,
    source: io::Error,
    already_set: OptionsSet,
    best_effort: Option<&mut Applied>,
) -> Result<(), Error> {
    if !is_no_such_option(&source) {
        return Err(Error::set(option, Some(knob), source, already_set));
    }
    match best_effort {
        Some(record) => {
            record.leave_out(LeftOut {
                knob,
                option,
                os_error: source.raw_os_error(),
                instead: instead(knob),
            });
            Ok(())
        }
        None => Err(Error::Unavailable {
            knob,
            option,
            source,
            instead: instead(knob),
            already_set,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_os_rounds_up_and_saturates() {
        let time = |d| KnobValue::Time(d);
        assert_eq!(to_os(time(Duration::from_secs(7)), Unit::Seconds), 7);
        assert_eq!(to_os(time(Duration::from_millis(1_500)), Unit::Seconds), 2);
        assert_eq!(to_os(time(Duration::from_nanos(1)), Unit::Seconds), 1);
        assert_eq!(
            to_os(time(Duration::from_millis(2_500)), Unit::Millis),
            2_500
        );
        assert_eq!(to_os(time(Duration::from_micros(1_500)), Unit::Millis), 2);
        assert_eq!(to_os(time(Duration::MAX), Unit::Seconds), i32::MAX);
        assert_eq!(to_os(time(Duration::MAX), Unit::Millis), i32::MAX);
        assert_eq!(to_os(KnobValue::Count(127), Unit::Count), 127);
        assert_eq!(to_os(KnobValue::Count(u32::MAX), Unit::Count), i32::MAX);
        // NetBSD's 500 ms ticks: 30 s is 60 ticks, 1.2 s rounds up to 3.
        assert_eq!(to_os(time(Duration::from_secs(30)), Unit::SlowTicks), 60);
        assert_eq!(
            to_os(time(Duration::from_millis(1_200)), Unit::SlowTicks),
            3
        );
        assert_eq!(
            from_os(60, Unit::SlowTicks),
            KnobValue::Time(Duration::from_secs(30))
        );
        // DragonFly's 10 ms ticks, sent as milliseconds: 15 ms rounds up to 20 ms (the
        // kernel would keep 10), and 20 ms read back is 20 ms.
        assert_eq!(to_os(time(Duration::from_millis(15)), Unit::CentiTicks), 20);
        assert_eq!(to_os(time(Duration::from_secs(2)), Unit::CentiTicks), 2_000);
        assert_eq!(
            from_os(20, Unit::CentiTicks),
            KnobValue::Time(Duration::from_millis(20))
        );
    }
}
